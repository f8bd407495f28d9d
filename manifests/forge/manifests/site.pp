# The reference web stack written the Forge way: the puppetlabs modules Debian packages
# (`apt install puppet-module-puppetlabs-{haproxy,apache,ntp,apt,concat,inifile}`) do the
# work that manifests/site.pp's own modules do. Every host gets the common class; web-01
# and web-02 serve "Hello World!" through apache::vhost with an X-Served-By header naming
# the host; lb-01 spreads requests round robin over them with haproxy::listen and
# haproxy::balancermember.

# @param role What this host is for; on its motd and in /etc/site.ini.
class common (String $role) {
  # ntp on its module data alone: Debian's servers, config and service names.
  include ntp

  # A local repository (the test hosts have no network; theirs is the offline one their
  # image carries, unsigned): apt::source writes the list file and runs apt-get update.
  apt::source { 'local':
    location       => 'file:/srv/converge-repo',
    release        => './',
    repos          => '',
    include        => { 'src' => false },
    allow_unsigned => true,
    comment        => 'Packages built on this site',
  }

  concat { '/etc/motd':
    owner => 'root',
    group => 'root',
    mode  => '0644',
  }
  concat::fragment { 'motd header':
    target  => '/etc/motd',
    content => "${facts['networking']['hostname']}: managed by Puppet code\n",
    order   => '01',
  }
  concat::fragment { 'motd role':
    target  => '/etc/motd',
    content => "role: ${role}\n",
    order   => '10',
  }

  ini_setting { 'site name':
    ensure  => present,
    path    => '/etc/site.ini',
    section => 'site',
    setting => 'host',
    value   => $facts['networking']['hostname'],
  }
  ini_setting { 'site role':
    ensure  => present,
    path    => '/etc/site.ini',
    section => 'site',
    setting => 'role',
    value   => $role,
  }
}

class common::web {
  class { 'apache':
    default_vhost => false,
  }
  apache::vhost { $facts['networking']['hostname']:
    port    => 80,
    docroot => '/var/www/html',
    headers => "set X-Served-By \"${facts['networking']['hostname']}\"",
  }
  file { '/var/www/html/index.html':
    ensure  => file,
    content => "Hello World!\n",
    require => Apache::Vhost[$facts['networking']['hostname']],
  }
}

class common::lb {
  class { 'haproxy': }
  haproxy::listen { 'web':
    collect_exported => false,
    ipaddress        => '0.0.0.0',
    ports            => '80',
    mode             => 'http',
    options          => {
      'balance' => 'roundrobin',
    },
  }
  ['web-01', 'web-02'].each |$backend| {
    haproxy::balancermember { $backend:
      listening_service => 'web',
      server_names      => $backend,
      ipaddresses       => $backend,
      ports             => '80',
      options           => 'check inter 1s',
    }
  }
}

node 'web-01', 'web-02' {
  class { 'common': role => 'web' }
  include common::web
}

node 'lb-01' {
  class { 'common': role => 'lb' }
  include common::lb
}
