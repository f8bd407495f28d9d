file { $nosuch: ensure => file }
