# Every haproxy define, with the options real load balancers use.
class { 'haproxy':
  global_options   => {
    'log'     => ['127.0.0.1 local0', '127.0.0.1 local1 notice'],
    'chroot'  => '/var/lib/haproxy',
    'maxconn' => 4000,
    'user'    => 'haproxy',
    'group'   => 'haproxy',
    'daemon'  => '',
    'stats'   => ['socket /run/haproxy/admin.sock mode 660 level admin', 'timeout 30s'],
    'tune.ssl.default-dh-param' => 2048,
  },
  defaults_options => {
    'log'     => 'global',
    'mode'    => 'http',
    'option'  => ['httplog', 'dontlognull', 'redispatch'],
    'retries' => 3,
    'timeout' => ['http-request 10s', 'queue 1m', 'connect 10s', 'client 1m', 'server 1m'],
    'maxconn' => 8000,
    'unused'  => undef,
  },
  custom_fragment  => "userlist admins\n  user admin insecure-password secret\n",
}
haproxy::frontend { 'https-in':
  ipaddress     => ['10.0.0.10', '10.0.0.11'],
  ports         => ['443', '8443'],
  mode          => 'http',
  bind_options  => ['ssl', 'crt /etc/haproxy/site.pem'],
  options       => [
    { 'default_backend' => 'web' },
    { 'acl' => ['is_api path_beg /api', 'is_static path_end .css .js'] },
    { 'use_backend' => 'api if is_api' },
    { 'http-request' => ['set-header X-Forwarded-Proto https', 'deny if { src 10.9.0.0/16 }'] },
    { 'option' => ['forwardfor', 'http-server-close'], 'timeout client' => '30s' },
  ],
}
haproxy::frontend { 'bound':
  bind    => { '10.0.0.1:80' => [], '10.0.0.2:8080' => ['accept-proxy'], ':9090' => 'transparent', '192.168.0.1:70' => ['v4v6', 'defer-accept'] },
  options => { 'default_backend' => 'web', 'reqadd' => 'X-Bound yes', 'tcp-request' => 'inspect-delay 5s', 'redirect' => 'scheme https if !{ ssl_fc }', 'block' => 'if is_bad', 'server' => 'x 1.2.3.4:80', 'use-server' => 'x if y' },
  sort_options_alphabetic => false,
}
haproxy::backend { 'web':
  mode    => 'http',
  options => { 'balance' => 'roundrobin', 'option' => ['httpchk GET /health', 'forwardfor'], 'http-check' => 'expect status 200', 'cookie' => 'SERVERID insert indirect nocache' },
}
haproxy::backend { 'api':
  options => [{ 'balance' => 'leastconn' }, { 'server' => ['api1 10.0.1.1:8080 check', 'api2 10.0.1.2:8080 check backup'] }],
  sort_options_alphabetic => true,
}
haproxy::listen { 'stats':
  ipaddress => '127.0.0.1',
  ports     => '9000',
  mode      => 'http',
  options   => { 'stats' => ['enable', 'uri /', 'refresh 10s', 'auth admin:secret'] },
}
haproxy::listen { 'mysql':
  ipaddress        => ['10.0.0.10', 'db.example.com', '*'],
  ports            => '3306,3307',
  mode             => 'tcp',
  collect_exported => false,
  options          => { 'option' => ['tcplog', 'mysql-check user haproxy'], 'balance' => 'leastconn', 'acl' => 'x src 1.2.3.4' },
  bind_options     => 'transparent',
}
haproxy::balancermember { 'mysql-nodes':
  listening_service => 'mysql',
  server_names      => ['db1', 'db2'],
  ipaddresses       => ['10.0.2.1', '10.0.2.2'],
  options           => ['check', 'port 3306', 'inter 5s'],
}
haproxy::balancermember { 'api-nodes':
  listening_service => 'api',
  server_names      => 'api3',
  ipaddresses       => '10.0.1.3',
  ports             => [8080],
  options           => 'check',
  weight            => '50',
}
haproxy::userlist { 'users':
  users  => ['joe insecure-password secret', 'jane password $6$abc'],
  groups => ['admins users joe,jane', 'ops'],
}
haproxy::peers { 'mypeers': }
haproxy::peer { 'lb-01':
  peers_name   => 'mypeers',
  server_names => 'lb-01',
  ipaddresses  => '10.0.0.10',
  port         => 1024,
}
haproxy::peer { 'lb-02':
  peers_name   => 'mypeers',
  server_names => ['lb-02', 'lb-03'],
  ipaddresses  => ['10.0.0.20', '10.0.0.30'],
  port         => 1024,
}
haproxy::mailers { 'mymailers': }
haproxy::mailer { 'smtp1':
  mailers_name => 'mymailers',
  server_names => ['smtp1', 'smtp2'],
  ipaddresses  => ['10.0.3.1', '10.0.3.2'],
  port         => 25,
}
haproxy::resolver { 'dns':
  nameservers     => { 'dns1' => '10.0.0.53:53', 'dns2' => '10.0.0.54:53' },
  hold            => { 'nx' => '30s', 'valid' => '10s', 'other' => '30s' },
  resolve_retries => 3,
  timeout         => { 'retry' => '1s', 'resolve' => '1s' },
}
haproxy::mapfile { 'domains-to-backends':
  ensure   => 'present',
  mappings => [{ 'app01.example.com' => 'bk_app01' }, { 'app02.example.com' => 'bk_app02', 'app03.example.com' => 'bk_app03' }, 'app04.example.com bk_app04'],
}
haproxy::defaults { 'tuned':
  options => { 'log' => 'global', 'retries' => 3, 'option' => ['redispatch', 'httplog'] },
}
