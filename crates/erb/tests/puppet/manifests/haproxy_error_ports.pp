# expect: error
# A template that raises in Ruby: ports given as an Integer (`9000.split`).
class { 'haproxy': }
haproxy::listen { 'stats':
  ipaddress => '127.0.0.1',
  ports     => 9000,
}
