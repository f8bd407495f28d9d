file { 'config': path => '/etc/app.conf', ensure => file }
file { '/etc/app.conf': ensure => file }
