exec { 'apt-update':
  command => '/usr/bin/apt-get update',
  unless  => '/usr/bin/test -f /tmp/x',
  before  => Package['nginx'],
  require => [File['/etc/apt'], Exec['a']],
  subscribe => File['/etc/apt/sources.list'],
  notify  => Service['nginx'],
  tag     => 'apt',
}
