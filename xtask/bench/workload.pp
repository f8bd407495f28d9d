# The standard 12-resource workload: 1 package, 1 directory, 10 files of one line, mode
# 0644. `cargo xtask bench` runs this same file through converge and Puppet.
package { 'psmisc':
  ensure => installed,
}

file { '/srv/workload':
  ensure => directory,
}

file { '/srv/workload/f01': ensure => file, content => "line 1\n", mode => '0644' }
file { '/srv/workload/f02': ensure => file, content => "line 2\n", mode => '0644' }
file { '/srv/workload/f03': ensure => file, content => "line 3\n", mode => '0644' }
file { '/srv/workload/f04': ensure => file, content => "line 4\n", mode => '0644' }
file { '/srv/workload/f05': ensure => file, content => "line 5\n", mode => '0644' }
file { '/srv/workload/f06': ensure => file, content => "line 6\n", mode => '0644' }
file { '/srv/workload/f07': ensure => file, content => "line 7\n", mode => '0644' }
file { '/srv/workload/f08': ensure => file, content => "line 8\n", mode => '0644' }
file { '/srv/workload/f09': ensure => file, content => "line 9\n", mode => '0644' }
file { '/srv/workload/f10': ensure => file, content => "line 10\n", mode => '0644' }
