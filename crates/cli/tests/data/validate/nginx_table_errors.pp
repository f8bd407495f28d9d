# Each mistake nginx's directive table catches, located at the attribute.
nginx_directive { 'proxy at http level':
  directive => 'proxy_pass',
  value     => 'http://web',
  context   => 'http',
}

nginx_directive { 'no value':
  directive => 'user',
  context   => 'main',
}

nginx_location { '/api':
  directives => { 'gzip' => 'on off', 'listen' => '80' },
}

nginx_server { 'shop.example':
  content => "user www-data;\nlocation / { return 200; }\nserver_tokens;\n",
}

nginx_upstream { 'web':
  members    => ['web-01:80'],
  directives => { 'keepalive' => '16 32', 'frobnicate' => 'on' },
}
