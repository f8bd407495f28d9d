file { '/etc/nginx/nginx.conf':
  content => template('nginx/nginx.conf.erb'),
}
$x = inline_template('<%= @hostname %>')
