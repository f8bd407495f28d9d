package { 'nginx':
  ensure   => installed,
  provider => apt,
}

service { 'nginx':
  ensure  => running,
  enable  => true,
  require => Package['nginx'],
}
