# A misspelt value gets a suggestion, as a misspelt attribute does; a value nothing is
# close to gets the list only.
service { 'nginx':
  ensure => runing,
}
file { '/srv/www':
  ensure => drectory,
}
file { '/etc/motd':
  ensure => symlnk,
  target => '/etc/issue',
}
service { 'haproxy':
  ensure => sleeping,
  enable => true,
}
