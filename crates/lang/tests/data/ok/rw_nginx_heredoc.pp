$conf = @("NGINX"/)
  server {
  	listen 80 default_server;
  	add_header X-Served-By ${hostname};
  	location / {
  		try_files \$uri \$uri/ =404;
  	}
  }
  | NGINX
$motd = @(END)
  Managed by converge.
    Literal $hostname here.
  |- END
file { '/etc/nginx/sites-available/default': content => $conf }
file { '/etc/motd': content => $motd }
