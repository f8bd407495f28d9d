# The Ruby constructs templates use, rendered in a class.
class demo::ruby($list = ['x', 'y']) {
  file { '/tmp/ruby': content => template('demo/ruby.erb') }
}
include demo::ruby
