# The prefork MPM with PHP, mod_cluster, and a second set of mod parameters.
class { 'apache':
  default_vhost  => true,
  mpm_module     => 'prefork',
  serveradmin    => 'admin@example.com',
  keepalive      => 'On',
  trace_enable   => 'Off',
  error_documents => true,
  use_optional_includes => true,
  file_e_tag     => 'None',
  http_protocol_options => 'Strict LenientMethods Allow0.9',
  limitreqfieldsize => 8190,
  limitreqfields => 100,
  conf_enabled   => '/etc/apache2/conf-enabled',
}
class { 'apache::mod::php': }
class { 'apache::mod::cluster':
  ip                     => '10.0.0.11',
  allowed_network        => '10.0.0.0/24',
  balancer_name          => 'mycluster',
  version                => '1.2.0',
  manager_allowed_network => '127.0.0.1',
}

