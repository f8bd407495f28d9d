File { mode => '0640', owner => 'root' }
Exec { path => ['/bin', '/usr/bin'] }
File['/etc/x'] { mode => '0600' }
Package['a', 'b'] { ensure => latest }
