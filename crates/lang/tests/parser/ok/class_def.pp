class web (
  String $root = '/var/www',
  Integer $port = 80,
  Optional[String] $alias = undef,
  Array[String] $names = [],
  Enum['a', 'b'] $mode = 'a',
  Variant[String, Integer] $v = 1,
  $untyped,
) inherits web::params {
  file { $root: ensure => directory }
}
class web::params { $x = 1 }
class empty {}
class { 'web': port => 8080 }
