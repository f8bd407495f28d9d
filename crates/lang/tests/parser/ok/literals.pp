$a = true
$b = false
$c = undef
$d = default
$e = [1, 'a', [2, 3],]
$f = {'k' => 'v', bare => 1, 'n' => { 'x' => [] },}
$g = []
$h = {}
$i = /^web\d+$/
$j = /a\/b/
