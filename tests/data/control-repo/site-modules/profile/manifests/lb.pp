# @summary HAProxy spreading requests round robin over the web servers.
class profile::lb (
  Integer $port,
  String $balance,
  Hash[String, String] $backends,
  Boolean $stats_enabled = false,
) {
  package { 'haproxy':
    ensure => installed,
  }

  file { '/etc/haproxy/haproxy.cfg':
    ensure       => file,
    content      => epp('profile/haproxy.cfg.epp', {
      'port'     => $port,
      'balance'  => $balance,
      'backends' => $backends,
      'stats'    => $stats_enabled,
    }),
    validate_cmd => '/usr/sbin/haproxy -f % -c',
    require      => Package['haproxy'],
    notify       => Service['haproxy'],
  }

  service { 'haproxy':
    ensure => running,
    enable => true,
  }
}
