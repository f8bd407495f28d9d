# Install nginx and add a custom header, the way many people first write it.
exec { 'apt-update':
  command  => 'apt-get -y update',
  provider => shell,
}
-> exec { 'install nginx':
  command  => 'apt-get -y install nginx',
  provider => shell,
  unless   => 'dpkg -s nginx',
}
-> exec { 'add header':
  command  => "sed -i '/server_name _;/a \\tadd_header X-Served-By ${hostname};' /etc/nginx/sites-available/default",
  provider => shell,
  unless   => 'grep -q X-Served-By /etc/nginx/sites-available/default',
}
~> exec { 'restart nginx':
  command     => 'service nginx restart',
  provider    => shell,
  refreshonly => true,
}
