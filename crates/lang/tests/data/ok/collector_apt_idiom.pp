exec { 'apt-update':
  command => '/usr/bin/apt-get update',
}
Exec['apt-update'] -> Package <| |>
package { 'nginx': ensure => installed }
package { 'haproxy': ensure => installed }
@package { 'virtual-tool': }
File <| title == '/etc/x' |> { mode => '0600' }
file { '/etc/x': ensure => file }
file { '/etc/y': ensure => file }
