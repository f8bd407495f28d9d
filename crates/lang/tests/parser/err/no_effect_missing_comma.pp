$x = 1
foo
$y = 2
