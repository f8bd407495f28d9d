package { 'haproxy': ensure => installed }
-> file_line { 'haproxy frontend':
  path => '/etc/haproxy/haproxy.cfg',
  line => "frontend http-in\n    bind *:80\n    default_backend servers\nbackend servers\n    balance roundrobin\n    server 123-web-01 10.0.0.11:80 check\n    server 123-web-02 10.0.0.12:80 check",
}
~> service { 'haproxy': ensure => running }
