$sum = [1, 2, 3].reduce |$memo, $x| { $memo + $x }
$f = $h.filter |$k, $v| { $v =~ /x/ }
$m = map($list) |$x| { "${x}.conf" }
with(1) |$x| { notice($x) }
