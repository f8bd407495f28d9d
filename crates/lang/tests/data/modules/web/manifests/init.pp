class web (
  Integer $port = 80,
  String $served_by = $facts['networking']['hostname'],
) {
  package { 'nginx': ensure => installed }
  contain web::config
  service { 'nginx':
    ensure    => running,
    enable    => true,
    subscribe => Class['web::config'],
  }
}
