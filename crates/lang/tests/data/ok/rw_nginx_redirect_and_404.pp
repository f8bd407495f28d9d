$doc_root = '/var/www/html'
exec { 'apt-get update': path => '/usr/bin' }
package { 'nginx':
  ensure  => installed,
  require => Exec['apt-get update'],
}
file { "${doc_root}/index.html":
  ensure  => present,
  content => 'Hello World!',
}
file { "${doc_root}/404.html":
  content => "Ceci n'est pas une page\n",
}
file_line { 'redirect_me':
  ensure => present,
  path   => '/etc/nginx/sites-available/default',
  after  => 'server_name _;',
  line   => '	rewrite ^/redirect_me https://www.youtube.com/watch?v=QH2-TGUlwu4 permanent;',
}
file_line { 'error page':
  path  => '/etc/nginx/sites-available/default',
  after => 'listen 80 default_server;',
  line  => '	error_page 404 /404.html;',
}
service { 'nginx':
  ensure    => running,
  require   => Package['nginx'],
  subscribe => [File_line['redirect_me'], File_line['error page']],
}
