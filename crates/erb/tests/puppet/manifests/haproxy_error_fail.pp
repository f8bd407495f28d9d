# expect: error
# A template that calls fail() through scope.function_fail: an invalid address.
class { 'haproxy': }
haproxy::listen { 'bad':
  ipaddress => 'not an address!',
  ports     => '80',
}
