$a = 'a' in $list and $b
$b = !$x in $y
$c = $x =~ /a/ and $y !~ /b/
$d = 1 < 2 == true
$e = -2 * 3
$f = 1 + 2 << 3
