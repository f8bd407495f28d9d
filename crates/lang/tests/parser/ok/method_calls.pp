$list.each |$k, $v| {
  notice("${k}=${v}")
}
$parts = $s.split(',')
$up = $s.upcase
$m = $list.map |$x| { $x * 2 }.filter |$x| { $x > 2 }
$n = $list
  .map |$x| { $x + 1 }
  .join(',')
[1, 2].each |Integer $i, String $s = 'd'| { notice($i) }
$h.each |*$rest| { }
