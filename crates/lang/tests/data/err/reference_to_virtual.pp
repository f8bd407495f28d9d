@package { 'tool': }
exec { '/bin/true': require => Package['tool'] }
