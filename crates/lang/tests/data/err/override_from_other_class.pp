class nginx {
  file { '/etc/nginx/nginx.conf': mode => '0644' }
}
include nginx
File['/etc/nginx/nginx.conf'] { mode => '0600' }
