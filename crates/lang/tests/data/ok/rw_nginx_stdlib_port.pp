class site (
  Stdlib::Port $port = 80,
  Stdlib::Absolutepath $root = '/var/www/html',
  Enum['present', 'absent'] $ensure = present,
) {
  file { "${root}/index.html": ensure => $ensure, content => "port ${port}\n" }
}
class { 'site': port => 8080 }
