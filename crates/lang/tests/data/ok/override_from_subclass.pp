class nginx {
  file { '/etc/nginx/nginx.conf': mode => '0644' }
  service { 'nginx': }
}
class nginx::hardened inherits nginx {
  File['/etc/nginx/nginx.conf'] { mode => '0600' }
  Service['nginx'] { ensure => running }
}
include nginx::hardened
file { '/etc/top': }
File['/etc/top'] { owner => 'root' }
File <| title == '/etc/nginx/nginx.conf' |> { owner => 'www-data' }
