# The custom-header web server of issue 15, the Forge way.
class { 'apache':
  default_vhost => false,
}
apache::vhost { 'web-01.example.com':
  port    => 80,
  docroot => '/var/www/html',
  headers => 'set X-Served-By "web-01"',
}
