package { 'nginx': ensure => installed }
-> file { '/etc/nginx/nginx.conf': content => 'x' }
~> service { 'nginx': ensure => running }

Package['a'] -> Service['b']
Service['b'] <- Package['c']
Service['b'] <~ File['d']
[Package['x'], Package['y']] -> Service['z']
Exec['apt_update'] -> Package <| |>
