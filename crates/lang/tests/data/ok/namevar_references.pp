file { 'nginx config':
  path    => '/etc/nginx/nginx.conf',
  ensure  => file,
}
service { 'nginx': subscribe => File['/etc/nginx/nginx.conf'] }
exec { 'reload': command => '/usr/sbin/nginx -s reload', refreshonly => true }
File['nginx config'] ~> Exec['/usr/sbin/nginx -s reload']
