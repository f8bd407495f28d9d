# Every kind of value Puppet hands a template, and where variables come from.
class demo::base {
  $base_var = 'from base'
  $shadow = 'base'
}
class demo::vars(
  String $str = 'hello',
  Integer $int = 42,
  Float $flt = 2.5,
  Boolean $yes = true,
  Boolean $no = false,
  Array $list = ['b', 'a', 'c'],
  Hash $map = { 'z' => 1, 'a' => [1, 2], 'm' => { 'k' => 'v' } },
  $nothing = undef,
  $with_undef = ['x', undef, 'y'],
  $dflt = default,
) inherits demo::base {
  $shadow = 'vars'
  $ref = File['/tmp/x']
  $re = /^a.*z$/
  file { '/tmp/vars': content => template('demo/vars.erb') }
}
$top = 'top scope'
include demo::vars
