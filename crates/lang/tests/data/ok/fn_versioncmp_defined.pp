$cmp = [versioncmp('1.2.10', '1.2.9'), versioncmp('2.0', '2.0'), versioncmp('1.0-rc1', '1.0'), versioncmp('10.0', '9.9')]
notify { "versioncmp ${cmp}": }
class present_class { }
define present_define () { }
$x = 1
file { '/etc/declared': }
$checks = [
  defined('present_class'),
  defined('present_define'),
  defined('file'),
  defined('nosuch'),
  defined('$x'),
  defined('$nope'),
  defined(File['/etc/declared']),
  defined(File['/etc/other']),
  defined(Class['present_class']),
  defined(Present_define),
]
notify { "defined ${checks}": }
include present_class
notify { "after include ${defined(Class['present_class'])}": }
