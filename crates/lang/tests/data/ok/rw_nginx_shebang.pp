#!/usr/bin/env puppet apply
# Run me with: puppet apply rw_nginx_shebang.pp
package { 'nginx': ensure => installed }
service { 'nginx':
  ensure  => running,
  require => Package['nginx'],
}
