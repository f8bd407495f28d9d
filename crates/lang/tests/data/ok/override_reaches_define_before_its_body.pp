# A resource override of a define instance reaches its body, which runs later (Puppet
# merges an override into a resource that exists): haproxy's
# `Concat[$config] { validate_cmd => ... }` broke on this.
define ov (Optional[String] $v = undef) {
  notify { "ov ${title}": message => "v=${v}" }
}
class holder {
  ov { 'a': }
  Ov['a'] { v => 'set in the class' }
}
include holder
ov { 'b': }
Ov['b'] { v => 'set at top' }
