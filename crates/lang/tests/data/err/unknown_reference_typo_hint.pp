package { 'nginx': ensure => installed }
service { 'nginx': ensure => running }
Package['nginx'] -> Service['ngnix']
