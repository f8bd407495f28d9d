package { 'nginx':
  ensure => installed
  provider => apt,
}
