[$a, $b] = [1, 2]
[$c, $d] = { 'c' => 'sea', 'd' => 'dee' }
$e = $f = 5
notify { "assign ${a} ${b} ${c} ${d} ${e} ${f}": }
$x = if $a == 1 { 'if-value' } else { 'other' }
$y = case $b { 2: { 'case-value' } default: { 'no' } }
notify { "${x} ${y}": }
