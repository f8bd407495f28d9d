$pkgs = ['nginx', 'curl', 'git']
$pkgs.each |$p| {
  package { $p: ensure => installed }
}
$pkgs.each |$i, $p| {
  notify { "pkg ${i} ${p}": }
}
$ports = { 'http' => 80, 'https' => 443 }
$ports.each |$name, $port| {
  notify { "${name} => ${port}": }
}
$ports.each |$pair| {
  notify { "pair ${pair[0]} ${pair[1]}": }
}
$doubled = [1, 2, 3].map |$n| { $n * 2 }
$big = [1, 5, 10].filter |$n| { $n > 3 }
$hf = $ports.filter |$k, $v| { $v > 100 }
$sum = [1, 2, 3, 4].reduce |$acc, $n| { $acc + $n }
$sum10 = [1, 2].reduce(10) |$acc, $n| { $acc + $n }
$w = with(1, 2) |$a, $b| { $a + $b }
$times = 3.map |$i| { "t${i}" }
notify { "iter ${doubled} ${big} ${hf} ${sum} ${sum10} ${w} ${times}": }
$outer = 'outer'
[1].each |$v| {
  $inner = "${outer}-${v}"
  notify { $inner: }
}
$early = [1, 2, 3, 4].map |$n| { if $n == 2 { next('two') } $n }
notify { "next ${early}": }
