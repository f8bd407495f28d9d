# References name their type in any capitalisation; a define's reference is
# capitalised per segment.
define web::vhost() {
  notify { "vhost ${title}": }
}
web::vhost { 'a': }
package { 'nginx': }
notify { 'n':
  require => [Web::Vhost['a'], PACKAGE['nginx']],
}
$t = 'a'
notify { 'm':
  require => [Web::Vhost[$t], Web::Vhost["${t}"]],
}
class web::base {}
include web::base
notify { 'c':
  require => [Class['::web::base'], Class['Web::Base'], ::Class['web::base']],
}
Class['web::base'] -> Notify['m']
