file { '/etc/motd':
  content => 'hello',
  mode    => '0644',
  require => Package['base-files'],
}
package { ['base-files', 'coreutils']: }
File['/etc/motd'] {
  mode    => '0600',
  require +> Package['coreutils'],
}
Package['coreutils'] { ensure => latest }
