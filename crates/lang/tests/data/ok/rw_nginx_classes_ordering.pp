class nginx::install {
  package { 'nginx': ensure => installed }
}
class nginx::config {
  file { '/etc/nginx/conf.d/header.conf':
    content => "add_header X-Served-By ${facts['networking']['fqdn']};\n",
  }
}
class nginx::service {
  service { 'nginx': ensure => running, enable => true }
}
class nginx {
  contain nginx::install
  contain nginx::config
  contain nginx::service
  Class['nginx::install'] -> Class['nginx::config'] ~> Class['nginx::service']
}
include nginx
