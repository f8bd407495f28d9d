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
# Checks: after HAProxy is running, one `http_check` per backend asks the frontend until
# that backend answers (its `X-Served-By` header names it). Round robin hands successive
# requests to successive backends, so retries reach each one; the bounded wait
# (`check_timeout`) covers web servers converging at the same time as this host and
# HAProxy's health checks taking a just-started backend into rotation.
#
# @param backends Server name => address or host name; each gets a `server` line. The name
#   is also the host name the backend sends in `X-Served-By` (see web_server).
# @param frontend_port The port clients connect to.
# @param balance HAProxy's `balance` algorithm.
# @param check_interval Time between health checks of each backend (`inter`); short, so a
#   backend that has just started is in rotation within a second or two.
# @param check_header The response header that names the backend that answered.
# @param check_timeout Seconds each backend check may wait in all for its backend to
#   answer through the frontend.
class load_balancer (
  Hash[String, String] $backends       = { 'web-01' => 'web-01', 'web-02' => 'web-02' },
  Integer              $frontend_port  = 80,
  String               $balance        = 'roundrobin',
  String               $check_interval = '1s',
  String               $check_header   = 'X-Served-By',
  Integer              $check_timeout  = 60,
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

  # What the load balancer must answer, verified after every apply (and by `converge
  # doctor`): each backend, reached through the frontend.
  $backends.each |$name, $address| {
    http_check { "load_balancer backend ${name}":
      url      => "http://127.0.0.1:${frontend_port}/",
      status   => 200,
      headers  => { $check_header => $name },
      retries  => 100,
      interval => 0.5,
      timeout  => $check_timeout,
      require  => Service['haproxy'],
    }
  }
}
