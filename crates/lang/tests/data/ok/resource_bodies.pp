file { ['/srv/a', '/srv/b',]:
  ensure => directory,
  mode   => '0755',
}
file {
  default:
    owner => 'www-data',
    mode  => '0644';
  '/srv/a/index.html':
    ensure  => file,
    content => 'a';
  '/srv/b/index.html':
    ensure => file,
    mode   => '0600';
}
$attrs = { 'ensure' => 'present', 'shell' => '/bin/bash' }
user { 'deploy':
  *    => $attrs,
  home => '/home/deploy',
}
notify { 'empty body': }
