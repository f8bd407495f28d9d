$x = web-01
$y = foo::bar
