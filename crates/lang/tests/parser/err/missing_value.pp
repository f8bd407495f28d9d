package { 'x': ensure => , }
