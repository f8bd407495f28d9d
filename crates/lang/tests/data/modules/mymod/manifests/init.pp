# Every parameter comes from the module's data (automatic parameter lookup).
class mymod (
  Array[String] $servers,
  Boolean $enabled,
  Integer $mode,
  Hash $settings,
  String $motd,
  Optional[String] $unset,
  String $with_default = 'from the default',
) {
  include mymod::private_thing
  notify { 'mymod':
    message => "${servers.join(',')} ${enabled} ${mymod::util::octal($mode)} ${settings} ${motd} ${unset} ${with_default} in ${module_name}",
  }
}
