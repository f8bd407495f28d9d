File {
  owner => 'root',
  mode  => '0644',
}
Exec { path => ['/usr/bin', '/bin'] }
class web {
  file { '/etc/web.conf': content => 'x' }
  file { '/etc/web.secret': mode => '0600' }
  exec { 'reload web': command => 'true', refreshonly => true }
}
define site::page() {
  file { "/srv/${title}": ensure => file }
}
include web
site::page { 'index.html': }
file { '/etc/later':
  ensure => file,
}
class isolated {
  File { group => 'staff' }
  file { '/etc/isolated': }
}
include isolated
file { '/etc/not-staff': }
