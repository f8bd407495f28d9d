file_lines { 'x':
  path => '/etc/x',
  line => 'y',
}
servic { 'nginx': ensure => running }
