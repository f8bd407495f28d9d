package { ensure => installed }
