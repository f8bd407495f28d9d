file_line { 'puppet interpolates bare':
  path => '/etc/nginx/conf.d/a.conf',
  line => "add_header X-A $hostname;",
}
file_line { 'puppet interpolates braces':
  path => '/etc/nginx/conf.d/b.conf',
  line => "add_header X-B ${hostname};",
}
file_line { 'nginx fills it at request time':
  path => '/etc/nginx/conf.d/c.conf',
  line => 'add_header X-C $hostname;',
}
file_line { 'escaped for nginx':
  path => '/etc/nginx/conf.d/d.conf',
  line => "add_header X-D \$hostname;",
}
file_line { 'top scope':
  path => '/etc/nginx/conf.d/e.conf',
  line => "add_header X-E ${::hostname};",
}
