# web-01 of the reference stack (manifests/modules/web_server) written so that Puppet 7 with
# puppetlabs-stdlib can run it too: `nginx_directive` is converge's own type, so the three
# directives go into Debian's default site with stdlib's `file_line` instead (`match`
# updates a line in place, `after` places a new one inside the server block). `cargo xtask
# bench` runs this same file through both engines.
$header_value = $facts['networking']['hostname']
$site = '/etc/nginx/sites-available/default'

package { 'nginx':
  ensure => installed,
}

file { '/var/www/html/index.html':
  ensure  => file,
  content => "Hello World!\n",
  require => Package['nginx'],
}

file { '/var/www/html/404.html':
  ensure  => file,
  content => "Ceci n'est pas une page\n",
  require => Package['nginx'],
}

file_line { 'header':
  path    => $site,
  line    => "\tadd_header X-Served-By ${header_value} always;",
  match   => '^\s*add_header X-Served-By ',
  after   => '^\s*server_name _;',
  require => Package['nginx'],
}

file_line { 'redirect':
  path    => $site,
  line    => "\trewrite ^/redirect_me\$ https://www.youtube.com/watch?v=QH2-TGUlwu4 permanent;",
  match   => '^\s*rewrite \^/redirect_me',
  after   => '^\s*server_name _;',
  require => Package['nginx'],
}

file_line { 'not found page':
  path    => $site,
  line    => "\terror_page 404 /404.html;",
  match   => '^\s*error_page 404 ',
  after   => '^\s*server_name _;',
  require => File['/var/www/html/404.html'],
}

service { 'nginx':
  ensure    => running,
  enable    => true,
  subscribe => [
    File_line['header'],
    File_line['redirect'],
    File_line['not found page'],
    File['/var/www/html/index.html'],
  ],
}
