$port = lookup('nginx::port')
$ok = lookup('nginx::root', String, 'first', '/var/www')
notify { "${port} ${ok}": }
