$pkgs = [Package['a'], Package['b']]
$pkgs -> Service['x']
Class['a'] -> Class['b'] ~> Class['c']
File['/a'] -> file { '/b': } -> File['/c']
