exec { 'install nginx':
  command  => 'sudo apt-get -y update; sudo apt-get -y install nginx; sed -i "s/x/y/" /etc/nginx/nginx.conf; service nginx restart',
  provider => shell,
}
