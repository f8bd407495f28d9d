# A defined type rendering a template per instance, with a nested template.
define demo::vhost(
  Integer $port = 80,
  $aliases = [],
  $headers = undef,
  Hash $options = {},
  $redirect = undef,
) {
  file { "/etc/vhosts/${title}.conf": content => template('demo/vhost.erb') }
}
demo::vhost { 'www.example.com':
  aliases => ['example.com', 'a.example.com'],
  headers => ['set X-Served-By "web-01"', 'unset ETag'],
  options => { 'DocumentRoot' => '/var/www', 'Options' => ['Indexes', 'FollowSymLinks'], 'AllowOverride' => 'None' },
}
demo::vhost { 'api.example.com':
  port     => 8080,
  headers  => 'set X-API 1',
  redirect => '/ https://www.example.com/',
}
['one', 'two'].each |$i, $n| {
  notify { "lambda ${n}": message => inline_template('<%= @n %> at <%= @i %> of <%= @title %>') }
}
