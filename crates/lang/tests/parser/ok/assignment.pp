$root = '/var/www'
[$a, $b] = [1, 2]
$x = $y = 3
$ref = package { 'z': }
