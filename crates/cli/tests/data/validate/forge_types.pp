# The Forge modules' Ruby types: every mistake found before the host is touched, located.
concat_file { '/etc/motd':
  order => 'random',
  mode  => '0644',
}
concat_fragment { 'motd header':
  target  => '/etc/motd',
  content => "hello\n",
  order   => '0/1',
}
concat_fragment { 'lost':
  content => "nobody collects me\n",
}
concat_fragment { 'both':
  target  => '/etc/motd',
  content => 'a',
  source  => '/srv/b',
}
ini_setting { 'timezone':
  path     => '/etc/php/8.2/cli/php.ini',
  section  => 'Date',
  settting => 'date.timezone',
  value    => 'UTC',
}
ini_subsetting { 'heap':
  path       => 'etc/default/tomcat',
  setting    => 'JAVA_OPTS',
  subsetting => '-Xmx',
  quote_char => 'x',
}
apt_key { 'puppetlabs':
  source => 'keys/puppet.asc',
}
package { 'requests':
  ensure   => purged,
  provider => pip3,
}
anchor { 'app::begin': }
