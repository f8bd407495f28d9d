exec { 'enable site':
  command => '/usr/sbin/a2ensite default',
  unless  => '/usr/bin/test -L /etc/apache2/sites-enabled/000-default.conf',
  onlyif  => '/usr/bin/test -f /etc/apache2/sites-available/default',
  creates => '/tmp/x',
  path    => ['/usr/bin', '/usr/sbin'],
  notify  => Service['apache2'],
}
