class nginx_header (
  String $header = 'X-Served-By',
  String $value  = $facts['networking']['hostname'],
  String $config = '/etc/nginx/sites-available/default',
) {
  package { 'nginx': ensure => installed }
  file_line { "${header} header":
    path    => $config,
    after   => 'server_name _;',
    line    => "\tadd_header ${header} ${value};",
    require => Package['nginx'],
  }
  service { 'nginx':
    ensure    => running,
    subscribe => File_line["${header} header"],
  }
}
include nginx_header
