package { 'nginx': ensure => installed }
-> file { '/etc/nginx/nginx.conf': ensure => file }
~> service { 'nginx': ensure => running }

notify { 'a': }
notify { 'b': }
notify { 'c': }
notify { 'd': }
Notify['b'] <- Notify['a']
Notify['d'] <~ Notify['c']
[Notify['a'], Notify['b']] -> Notify['c']
Package['nginx'] -> Notify['a'] -> Notify['d']
