# A template the native ERB renderer declines (a method definition).
class demo($port = 8080) {
  file { '/tmp/demo.conf': content => template('demo/declined.erb') }
}
include demo
