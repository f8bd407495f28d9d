# Two haproxy instances on one host (the module's multi-instance mode).
haproxy::instance { 'haproxy': }
haproxy::instance { 'group1':
  global_options   => { 'log' => '127.0.0.1 local0', 'maxconn' => 100, 'stats' => ['socket /run/group1.sock', 'timeout 30s'] },
  defaults_options => { 'mode' => 'tcp', 'timeout' => ['connect 5s', 'client 1m'] },
  custom_fragment  => "# group1 extras\n",
}
haproxy::instance_service { 'group1':
  haproxy_package       => 'haproxy18',
  haproxy_unit_template => 'haproxy/instance_service_unit_example.erb',
}
haproxy::listen { 'group1-web':
  instance  => 'group1',
  ipaddress => '10.0.0.10',
  ports     => '8080',
  options   => { 'balance' => 'source' },
}
