exec { 'add custom header':
  command => "/bin/sed -i '/^\\s*server_name/a add_header X-Served-By ${hostname};' /etc/nginx/sites-available/default",
  unless  => "/bin/grep -q 'X-Served-By ${hostname}' /etc/nginx/sites-available/default",
  notify  => Exec['reload nginx'],
}
exec { 'reload nginx':
  command     => '/usr/sbin/service nginx reload',
  refreshonly => true,
}
