class { 'haproxy': }
haproxy::listen { 'web':
  collect_exported => false,
  ipaddress        => '0.0.0.0',
  ports            => '80',
  mode             => 'http',
  options          => { 'balance' => 'roundrobin', 'option' => ['httplog', 'forwardfor'] },
}
haproxy::balancermember { 'web-01':
  listening_service => 'web',
  server_names      => 'web-01',
  ipaddresses       => '10.0.0.11',
  ports             => '80',
  options           => 'check',
}
haproxy::balancermember { 'web-02':
  listening_service => 'web',
  server_names      => ['web-02', 'web-03'],
  ipaddresses       => ['10.0.0.12', '10.0.0.13'],
  ports             => ['80', '8080'],
  options           => ['check', 'inter 2000'],
  define_cookies    => true,
  weight            => 10,
  verifyhost        => true,
}
