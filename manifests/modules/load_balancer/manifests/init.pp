# HAProxy in front of the web servers: round robin over `backends`, health-checked every
# `check_interval`, listening on `frontend_port`.
#
# The configuration is rendered from templates/haproxy.cfg.epp and checked with
# `haproxy -c` before it replaces the live file, so a bad setting fails this resource and
# leaves the running configuration alone. A changed configuration reloads HAProxy (new
# worker, old one finishes its connections) instead of restarting it: `service haproxy
# reload` goes through the init script where PID 1 is not systemd and through
# `systemctl reload` where it is.
#
# @param backends Server name => address or host name; each gets a `server` line.
# @param frontend_port The port clients connect to.
# @param balance HAProxy's `balance` algorithm.
# @param check_interval Time between health checks of each backend (`inter`); short, so a
#   backend that has just started is in rotation within a second or two.
class load_balancer (
  Hash[String, String] $backends       = { 'web-01' => 'web-01', 'web-02' => 'web-02' },
  Integer              $frontend_port  = 80,
  String               $balance        = 'roundrobin',
  String               $check_interval = '1s',
) {
  # Debian's init script answers `status` with ps(1), which a minimal Debian lacks.
  package { ['haproxy', 'procps']:
    ensure => installed,
  }

  file { '/etc/haproxy/haproxy.cfg':
    ensure       => file,
    owner        => 'root',
    group        => 'root',
    mode         => '0644',
    content      => epp('load_balancer/haproxy.cfg.epp', {
      'backends'       => $backends,
      'frontend_port'  => $frontend_port,
      'balance'        => $balance,
      'check_interval' => $check_interval,
    }),
    validate_cmd => '/usr/sbin/haproxy -c -f %',
    require      => Package['haproxy'],
    notify       => Service['haproxy'],
  }

  # Debian 12's haproxy has no ENABLED= switch in /etc/default/haproxy any more (older
  # manifests set ENABLED=1): `enable` alone decides, through update-rc.d or systemctl.
  service { 'haproxy':
    ensure    => running,
    enable    => true,
    hasstatus => true,
    restart   => '/usr/sbin/service haproxy reload',
    require   => Package['haproxy', 'procps'],
  }
}
