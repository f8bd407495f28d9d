file { '/etc/motd':
  source => 'puppet:///modules/web/nosuch.txt',
}
file { '/etc/other':
  source => ['puppet:///modules/nomodule/x', 'puppet:///modules/web/also-missing'],
}
