# @summary nginx serving a page that names the host that served it.
class profile::web (
  Integer $port,
  String $docroot,
  Array[String] $server_names,
  String $index_title = 'A web server',
) {
  include profile::web::config

  package { 'nginx':
    ensure => installed,
  }

  file { "${docroot}/index.html":
    ensure  => file,
    content => "<h1>${index_title}</h1>\n",
    require => Package['nginx'],
  }

  service { 'nginx':
    ensure => running,
    enable => true,
  }

  Package['nginx'] -> Class['profile::web::config'] ~> Service['nginx']
}
