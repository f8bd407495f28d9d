package { 'haproxy': }
file { '/etc/haproxy/haproxy.cfg':
  content => "frontend http-in\n bind *:80\n default_backend servers\nbackend servers\n balance roundrobin\n server 123-web-01 1.2.3.4:80 check\n",
  notify  => Service['haproxy'],
  require => Package['haproxy'],
}
service { 'haproxy': ensure => running }
