file { '/etc/motd':
  mode    => '0644',
  content => 'hi',
  mode    => '0600',
}
