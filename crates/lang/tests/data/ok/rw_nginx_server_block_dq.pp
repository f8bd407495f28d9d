$site = "server {
	listen 80 default_server;
	listen [::]:80 default_server;

	root /var/www/html;
	index index.html index.htm index.nginx-debian.html;

	server_name _;
	add_header X-Served-By ${hostname};

	location / {
		try_files \$uri \$uri/ =404;
	}
	location /redirect_me {
		return 301 https://example.test/;
	}
}
"
package { 'nginx': ensure => 'present' }
file { '/etc/nginx/sites-available/default':
  ensure  => file,
  content => $site,
  require => Package['nginx'],
  notify  => Service['nginx'],
}
file { '/var/www/html/index.html':
  content => "Hello World!\n",
  require => Package['nginx'],
}
service { 'nginx':
  ensure => running,
}
