# Templates the modules ship but none of their classes renders any more, called with
# template() from classes that set what they read; and inline templates with the Ruby
# that templates in the wild use.
class direct_allow($allow_from = undef, $allow_defaults = ['127.0.0.1', '::1']) {
  notify { "allow ${name} ${allow_from}": message => template('apache/mod/_allow.erb') }
}
class { 'direct_allow': allow_from => ['10.0.0.0/8', '192.168.0.0/16'] }
class direct_allow_defaults { $allow_defaults = '127.0.0.1' notify { 'allow defaults': message => template('apache/mod/_allow.erb', 'apache/mod/mpm_event.conf.erb', 'haproxy/empty.erb') } }
include direct_allow_defaults
