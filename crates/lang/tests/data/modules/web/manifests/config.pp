class web::config {
  file { '/etc/nginx/sites-available/default':
    ensure  => file,
    content => epp('web/vhost.epp', { 'port' => $web::port, 'served_by' => $web::served_by }),
    require => Package['nginx'],
  }
  file { '/var/www/html/index.html':
    ensure  => file,
    content => file('web/index.html'),
  }
}
