package { 'haproxy':
  ensure => installed,
}
file { '/etc/haproxy/haproxy.cfg':
  ensure  => file,
  content => "global\n\tlog /dev/log local0\n\tmaxconn 2048\n\ndefaults\n\tmode http\n\ttimeout connect 5000\n\ttimeout client 50000\n\ttimeout server 50000\n\nfrontend http-in\n\tbind *:80\n\tdefault_backend servers\n\nbackend servers\n\tbalance roundrobin\n\tserver 123-web-01 10.0.0.11:80 check\n\tserver 123-web-02 10.0.0.12:80 check\n",
  require => Package['haproxy'],
  notify  => Service['haproxy'],
}
service { 'haproxy':
  ensure => running,
  enable => true,
}
