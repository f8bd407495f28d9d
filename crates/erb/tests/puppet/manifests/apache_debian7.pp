# facts: {"operatingsystemrelease": "7.11", "operatingsystemmajrelease": "7", "os": {"family": "Debian", "name": "Debian", "release": {"full": "7.11", "major": "7", "minor": "11"}}}
# Modules only older releases have (suphp, peruser): Debian 7's facts.
class { 'apache':
  mpm_module => 'prefork',
}
class { 'apache::mod::suphp': }
apache::vhost { 'legacy.example.com':
  port         => 80,
  docroot      => '/var/www/legacy',
  suphp_engine => 'on',
  suphp_addhandler => 'x-httpd-php',
  suphp_configpath => '/etc/php5/apache2',
  directories  => [
    { 'path' => '/var/www/legacy', 'suphp' => { 'user' => 'www', 'group' => 'www' }, 'allow' => 'from 10.0.0.0/8', 'deny' => 'from all', 'order' => 'Deny,Allow', 'satisfy' => 'Any', 'auth_require' => 'valid-user' },
    { 'path' => '/var/www/legacy/open', 'allow' => 'from all' },
    { 'path' => '/var/www/legacy/closed', 'deny' => 'from all', 'order' => ['Allow', 'Deny'] },
  ],
}
