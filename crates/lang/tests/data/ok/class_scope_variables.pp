class web {
  $port = 8080
  $root = '/var/www'
}
include web
notify { "web listens on ${web::port}, serves ${::web::root}": }
$top = 'top'
class reader {
  notify { "reader sees ${top} and ${::top}": }
}
include reader
