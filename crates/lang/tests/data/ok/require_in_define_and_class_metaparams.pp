class base { package { 'curl': } }
class monitoring { }
define site () {
  require base
  file { "/srv/${title}": }
}
site { 'a': }
class { 'monitoring': require => Class['base'] }
