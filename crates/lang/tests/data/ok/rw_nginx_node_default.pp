node default {
  package { 'nginx': ensure => installed }
  file_line { 'header':
    path    => '/etc/nginx/sites-enabled/default',
    after   => 'server_name _;',
    line    => "add_header X-Served-By ${::hostname};",
    require => Package['nginx'],
    notify  => Service['nginx'],
  }
  service { 'nginx': ensure => running }
}
