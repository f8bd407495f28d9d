define web::site (String $docroot, Integer $port = 80) {
  file { "/etc/nginx/sites-available/${title}":
    ensure  => file,
    content => "listen ${port}; root ${docroot}; # ${name}\n",
  }
}
web::site { 'example.test': docroot => '/srv/example' }
web::site { 'b':
  name    => 'other-name',
  docroot => '/srv/b',
  port    => 8080,
}
file { '/etc/declared-after-sites': ensure => file }
