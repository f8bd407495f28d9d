$t = Array[String, 1]
if $x =~ String { notice('string') }
$ok = $v =~ Enum['a', 'b']
$r = Resource['file', '/tmp']
