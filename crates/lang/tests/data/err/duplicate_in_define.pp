define site () {
  file { '/etc/shared.conf': ensure => file }
}
site { 'one': }
site { 'two': }
