# expect: error demo/templates/broken.erb:2
class demo::broken($ports = 9000) {
  file { '/tmp/broken': content => template('demo/broken.erb') }
}
include demo::broken
