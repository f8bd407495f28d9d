file { ['/a', '/b', '/a']: ensure => file }
