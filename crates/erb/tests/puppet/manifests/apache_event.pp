# The event MPM, and apache's class parameters that take httpd.conf.erb's other branches.
class { 'apache':
  mpm_module       => false,
  default_mods     => ['rewrite', 'headers'],
  log_level        => 'info',
  server_signature => 'Off',
  root_directory_secured => true,
  root_directory_options => ['FollowSymLinks', 'Indexes'],
  timeout          => 60,
  max_keepalive_requests => 200,
  keepalive_timeout => 10,
  allow_encoded_slashes => 'nodecode',
  default_charset  => 'UTF-8',
  ldap_verify_server_cert => 'Off',
  ldap_trusted_mode => 'TLS',
  error_log        => 'syslog:local1',
  scriptalias      => '/usr/lib/cgi-bin',
  hostname_lookups => 'Double',
}
class { 'apache::mod::event': startservers => 4, maxclients => 200, minsparethreads => 25, maxsparethreads => 75, threadsperchild => 25, maxrequestsperchild => 0, serverlimit => 25, threadlimit => 64, listenbacklog => 511, maxrequestworkers => 400, maxconnectionsperchild => 1000 }
