class nginx::params {
  $package = 'nginx'
  $conf = '/etc/nginx/nginx.conf'
}
class nginx inherits nginx::params {
  package { $package: ensure => installed }
  file { $conf: ensure => file, require => Package[$package] }
  notify { "inherited ${nginx::package} ${nginx::params::conf}": }
}
include nginx
