# nginx in front of the web servers, the sibling of `load_balancer` (HAProxy): an
# `upstream` of `backends` (round robin, nginx's default), a server on `frontend_port` whose
# `location /` passes every request to it, and `proxy_next_upstream` so that a request
# sent to a dead backend is retried on the next one: with web-01 stopped, web-02 answers
# every request.
#
# The blocks are whole resources (nginx_upstream, nginx_server, nginx_location): each is
# checked against nginx's directive table, then the whole configuration with `nginx -t`,
# before the live file changes, and a running nginx is reloaded (new workers, old ones
# finish their requests): adding a backend loses no request. Debian's default site, which
# also claims port 80 as the default server, is disabled.
#
# Checks: as for HAProxy, one `http_check` per backend asks the frontend until that
# backend answers (its `X-Served-By` header names it).
#
# @param backends Server name => address or host name; each is an upstream member on port
#   80. The name is also the host name the backend sends in `X-Served-By`.
# @param frontend_port The port clients connect to.
# @param method The balancing method: '' for round robin, or `least_conn`, `ip_hash`,
#   `random`.
# @param max_fails Failed attempts before a backend is taken out for `fail_timeout`.
# @param fail_timeout How long a failed backend stays out.
# @param check_header The response header that names the backend that answered.
# @param check_timeout Seconds each backend check may wait in all for its backend.
class load_balancer::nginx (
  Hash[String, String] $backends      = { 'web-01' => 'web-01', 'web-02' => 'web-02' },
  Integer              $frontend_port = 80,
  String               $method        = '',
  Integer              $max_fails     = 1,
  String               $fail_timeout  = '10s',
  String               $check_header  = 'X-Served-By',
  Integer              $check_timeout = 60,
) {
  package { 'nginx':
    ensure => installed,
  }

  nginx_upstream { 'web':
    members    => $backends.map |$name, $address| {
      "${address}:80 max_fails=${max_fails} fail_timeout=${fail_timeout}"
    },
    # The shared zone keeps one balancing state for all of nginx's workers; without it each
    # worker runs its own round robin, and requests that land on different workers can go
    # to the same backend twice in a row (and a failed backend is counted per worker).
    directives => { 'zone' => 'web 64k' } + ($method ? { '' => {}, default => { $method => true } }),
  }

  nginx_server { 'load_balancer':
    server_name => ['_'],
    listen      => ["${frontend_port} default_server", "[::]:${frontend_port} default_server"],
    directives  => {
      # A dead or failing backend: the request goes to the next one.
      'proxy_next_upstream'   => 'error timeout http_502 http_503 http_504',
      'proxy_connect_timeout' => '2s',
    },
    require     => File['/etc/nginx/sites-enabled/default'],
  }

  nginx_location { 'load_balancer /':
    location   => '/',
    server     => 'load_balancer',
    directives => {
      'proxy_pass'       => 'http://web',
      'proxy_set_header' => ['Host $host', 'X-Forwarded-For $proxy_add_x_forwarded_for'],
    },
  }

  # Debian's default site listens on port 80 as the default server too.
  file { '/etc/nginx/sites-enabled/default':
    ensure  => absent,
    require => Package['nginx'],
  }

  service { 'nginx':
    ensure  => running,
    enable  => true,
    require => [Nginx_upstream['web'], Nginx_server['load_balancer'], Nginx_location['load_balancer /']],
  }

  $backends.each |$name, $address| {
    http_check { "load_balancer backend ${name}":
      url      => "http://127.0.0.1:${frontend_port}/",
      status   => 200,
      headers  => { $check_header => $name },
      retries  => 100,
      interval => 0.5,
      timeout  => $check_timeout,
      require  => Service['nginx'],
    }
  }
}
