class web (Integer $port = 80) {
  notify { "port ${port}": }
}
class { 'web': port => '8080' }
