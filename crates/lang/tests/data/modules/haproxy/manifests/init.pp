class haproxy (
  Array[Hash] $backends = [],
  Integer $port = 80,
) {
  package { 'haproxy': ensure => installed }
  -> file { '/etc/haproxy/haproxy.cfg':
    ensure  => file,
    content => epp('haproxy/haproxy.cfg.epp', { 'backends' => $backends, 'port' => $port }),
  }
  ~> service { 'haproxy': ensure => running, enable => true }
}
