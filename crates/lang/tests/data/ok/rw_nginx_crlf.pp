# Written on Windows: CRLF line endings
package { 'nginx':
  ensure => installed,
}
file_line { 'header':
  path => '/etc/nginx/sites-available/default',
  after => 'server_name _;',
  line => "\tadd_header X-Served-By ${hostname};",
  require => Package['nginx'],
}
