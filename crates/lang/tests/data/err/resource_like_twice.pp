class web (Integer $port = 80) { }
class { 'web': port => 8080 }
class { 'web': port => 9090 }
