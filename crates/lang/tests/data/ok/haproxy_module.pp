class { 'haproxy':
  backends => [
    { 'name' => '123-web-01', 'ip' => '10.0.0.11' },
    { 'name' => '123-web-02', 'ip' => '10.0.0.12' },
  ],
}
haproxy::balancermember { 'web-01': ip => '10.0.0.11' }
