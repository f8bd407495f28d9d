notice('hello')
$parts = split($s, ',')
$j = join($parts, '-')
$r = regsubst($s, 'l+', 'L', 'G')
$v = lookup('key', String, 'first', 'default')
$e = each($list) |$x| { notice($x) }
$z = stdlib::ensure(true)
$w = versioncmp('1.2', '1.10')
