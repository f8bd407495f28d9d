class web (
  Integer $port = 80,
  String $root = '/var/www',
  Optional[String] $server_name = undef,
  Array[String] $aliases = [],
  Enum['present', 'absent'] $ensure = 'present',
  Stdlib::Port $admin_port = 8081,
  Variant[String, Integer] $id = 5,
  Hash[String, Integer] $limits = { 'conn' => 10 },
) {
  notify { "web ${port} ${root} [${server_name}] ${aliases} ${ensure} ${admin_port} ${id} ${limits}": }
}
class { 'web':
  port    => 8080,
  aliases => ['www', 'web'],
}
include web
