package { ['nginx', 'curl']: ensure => installed }
file { ['/var/www', '/var/www/html']: ensure => directory }
file { '/var/www/html/index.html':
  content => 'Hello World!',
  require => [Package['nginx'], File['/var/www/html/']],
}
service { 'nginx':
  ensure    => running,
  enable    => true,
  subscribe => [File['/var/www/html/index.html'], Package['nginx']],
}
