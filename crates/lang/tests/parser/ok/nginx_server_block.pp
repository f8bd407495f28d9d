file { '/etc/nginx/sites-available/default':
  ensure  => file,
  content => "server {
\tlisten 80 default_server;
\tlisten [::]:80 default_server;
\troot /var/www/html;
\tindex index.html;
\tserver_name _;
\tadd_header X-Served-By ${hostname};
\tlocation / {
\t\ttry_files \$uri \$uri/ =404;
\t}
}
",
  notify  => Service['nginx'],
}
