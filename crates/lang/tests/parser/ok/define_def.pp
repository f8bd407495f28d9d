define web::site (String $content, $ensure = 'file') {
  file { "/etc/x/${title}":
    ensure  => $ensure,
    content => $content,
  }
  notice($name)
}
web::site { 'a': content => 'x' }
