# @summary What every host has: packages, users, time, apt, a message of the day.
#
# Every parameter comes from Hiera (automatic parameter lookup).
class profile::base (
  Array[String] $packages,
  Hash[String, Hash] $users,
  Hash $sysctl,
  String $motd_message,
  String $admin_email,
  Integer $log_mode,
  Boolean $verbose,
  String $codename = 'unknown',
) {
  include stdlib
  include apt
  include ntp

  ensure_packages($packages)

  $users.each |String $user, Hash $u| {
    user { $user:
      ensure     => present,
      uid        => $u['uid'],
      shell      => pick($u['shell'], '/bin/sh'),
      groups     => $u['groups'],
      home       => $u['home'],
      managehome => true,
    }
  }

  $sysctl.each |$key, $value| {
    file { "/etc/sysctl.d/60-${key}.conf":
      ensure  => file,
      content => "${key} = ${value}\n",
      mode    => '0644',
    }
  }

  file { '/etc/motd':
    ensure  => file,
    content => epp("${module_name}/motd.epp", {
      'message'  => $motd_message,
      'email'    => $admin_email,
      'codename' => $codename,
    }),
    mode    => '0644',
  }

  file { '/etc/issue.net':
    ensure => file,
    source => "puppet:///modules/${module_name}/issue.net",
  }

  file { '/var/log/converge':
    ensure => directory,
    mode   => profile::octal_mode($log_mode),
  }

  if $verbose {
    notify { 'verbose base profile': }
  }
}
