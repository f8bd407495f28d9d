$a = [1, 'x'].map |Integer $n| { $n }
$b = [1].map |$n| >> String { $n }
$c = with() |$x| { $x }
$d = [1, 2].map |$x, $y, $z| { $x }
