#!/usr/bin/env converge
package { 'nginx': ensure => installed }
-> file_line { 'add header':
  path  => '/etc/nginx/sites-available/default',
  after => 'listen 80 default_server;',
  line  => "\tadd_header X-Served-By ${hostname};",
}
~> service { 'nginx': ensure => running, enable => true }
notice("configured ${facts['networking']['hostname']}")
