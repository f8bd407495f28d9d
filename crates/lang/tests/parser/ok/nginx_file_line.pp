file_line { 'add header':
  ensure => present,
  path   => '/etc/nginx/sites-available/default',
  after  => 'server_name _;',
  line   => "\tadd_header X-Served-By ${hostname};",
}
file_line { 'header via match':
  path  => '/etc/nginx/sites-available/default',
  match => '^\s*add_header X-Served-By',
  line  => 'add_header X-Served-By $hostname;',
}
