# A template the native renderer declines (a method definition): the Ruby fallback
# renders it, and it still includes a native one.
class demo::declined($port = 8080, $headers = ['a', 'b']) {
  file { '/tmp/declined': content => template('demo/declined.erb') }
}
include demo::declined
