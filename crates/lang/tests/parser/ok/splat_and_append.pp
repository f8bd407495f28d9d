$opts = { 'ensure' => 'present', 'mode' => '0644' }
file { '/x':
  * => $opts,
}
File['/x'] {
  require +> Package['a'],
}
