include web, nginx
include web::config
require apt
contain web::service
tag 'frontend'
notice "x"
info 'i'
warning('w')
err "e"
debug 'd'
realize User['bob']
