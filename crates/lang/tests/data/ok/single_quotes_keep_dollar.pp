file_line { 'served-by nginx variable':
  path  => '/etc/nginx/sites-available/default',
  after => 'server_name _;',
  line  => '	add_header X-Served-By $hostname;',
}
file_line { 'served-by literal fact':
  path  => '/etc/nginx/sites-available/default',
  match => '^\s*add_header X-Served-By',
  line  => 'add_header X-Served-By $::hostname; # \n stays',
}
file_line { 'served-by puppet fact':
  path  => '/etc/nginx/nginx.conf',
  after => 'http {',
  line  => "\tadd_header X-Served-By ${hostname};",
}
