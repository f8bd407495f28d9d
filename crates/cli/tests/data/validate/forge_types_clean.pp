# The Forge types as modules declare them: clean, and the plan orders each fragment before
# its file.
concat_file { '/etc/haproxy/haproxy.cfg':
  tag            => 'haproxy_cfg',
  order          => 'numeric',
  ensure_newline => true,
  validate_cmd   => '/usr/sbin/haproxy -f % -c',
}
concat_fragment { 'haproxy-00-header':
  target  => '/etc/haproxy/haproxy.cfg',
  content => "# managed\n",
  order   => '00',
}
concat_fragment { 'haproxy-web':
  tag     => 'haproxy_cfg',
  content => "listen web\n",
  order   => 20,
}
ini_setting { 'timezone':
  ensure  => present,
  path    => '/etc/php/8.2/cli/php.ini',
  section => 'Date',
  setting => 'date.timezone',
  value   => 'UTC',
}
apt_key { '6F6B15509CF8E59E6E469F327F438280EF8D349F':
  source => '/srv/keys/puppet.asc',
}
package { ['requests', 'rake']:
  ensure   => installed,
  provider => pip3,
}
anchor { ['app::begin', 'app::end']: }
Anchor['app::begin'] -> Concat_file['/etc/haproxy/haproxy.cfg'] -> Anchor['app::end']
