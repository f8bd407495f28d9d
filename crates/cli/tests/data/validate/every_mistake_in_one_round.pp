# Evaluation errors and attribute errors together: validate reports all of them at once.
package { 'nginx':
  ensur => installed,
}
service { 'nginx':
  ensure  => bogus,
  require => Package['ngnix'],
}
file { '/etc/x':
  mode => 644,
}
exec { 'x': command => 'true' }
$port = 80
$port = 8080
file { '/etc/x': ensure => file }
