# b before a (require), a before the exec (arrow), the exec before b (metaparameter): a cycle.
file { '/srv/a': ensure => directory, require => File['/srv/b'] }
file { '/srv/b': ensure => directory }
File['/srv/a'] -> Exec['touch']
exec { 'touch': command => '/usr/bin/touch /srv/x', before => File['/srv/b'] }
