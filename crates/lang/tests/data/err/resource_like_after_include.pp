class web (Integer $port = 80) { }
include web
class { 'web': port => 8080 }
