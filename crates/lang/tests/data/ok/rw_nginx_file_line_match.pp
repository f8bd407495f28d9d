file_line { 'custom header':
  path   => '/etc/nginx/nginx.conf',
  match  => '^\s*add_header X-Served-By',
  line   => "    add_header X-Served-By \"${facts['networking']['hostname']}\";",
  after  => 'http {',
}
~> service { 'nginx': ensure => running }
