notice('top level')
info('info', 'with', 2, 'args')
warning("on ${hostname}")
debug('debug')
err('an err() is logged, not fatal')
class web {
  notice('inside class')
}
define web::site () {
  notice("inside define ${title}")
}
include web
web::site { 'a': }
node default {
  notice('inside node')
}
