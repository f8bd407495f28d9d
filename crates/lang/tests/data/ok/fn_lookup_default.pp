$port = lookup('nginx::port', Integer, 'first', 8080)
$root = lookup('nginx::root', { 'default_value' => '/var/www' })
$label = lookup('nginx::name') |$k| { "default for ${k}" }
notify { "${port} ${root} ${label}": }
