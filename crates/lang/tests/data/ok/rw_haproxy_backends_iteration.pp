$backends = {
  '123-web-01' => '10.0.0.11',
  '123-web-02' => '10.0.0.12',
}
$servers = $backends.map |$name, $ip| { "\tserver ${name} ${ip}:80 check" }
$cfg = join([
  'frontend http-in',
  "\tbind *:80",
  "\tdefault_backend servers",
  'backend servers',
  "\tbalance roundrobin",
] + $servers, "\n")
file { '/etc/haproxy/haproxy.cfg':
  ensure  => file,
  content => "${cfg}\n",
  notify  => Service['haproxy'],
}
service { 'haproxy': ensure => running }
$backends.each |$name, $ip| {
  host { $name: ip => $ip }
}
