Exec {
  path     => ['/usr/bin', '/usr/sbin', '/bin'],
  provider => shell,
}
exec { 'add ppa':
  command => 'add-apt-repository -y ppa:vbernat/haproxy-2.8',
  unless  => 'ls /etc/apt/sources.list.d | grep -q haproxy',
}
exec { 'update':
  command => 'apt-get update',
}
package { 'haproxy': ensure => '2.8.*' }
Exec['add ppa'] -> Exec['update'] -> Package['haproxy']
exec { 'enable haproxy':
  command => "echo 'ENABLED=1' >> /etc/default/haproxy",
  unless  => "grep -q 'ENABLED=1' /etc/default/haproxy",
  require => Package['haproxy'],
}
