define web::vhost (
  String $docroot = "/srv/${title}",
  Integer $port = 80,
) {
  file { "/etc/nginx/sites-available/${title}":
    ensure  => file,
    content => inline_epp('server { listen <%= $port %>; root <%= $docroot %>; }'),
  }
}
