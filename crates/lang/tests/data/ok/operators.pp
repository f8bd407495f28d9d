$a = 'Debian'
if $a == 'debian' { notify { 'eq ignores case': } }
if $a != 'DEBIAN' { notify { 'never': } } else { notify { 'ne ignores case': } }
if 'deb' in $a { notify { 'in substring ignores case': } }
if 'b' in ['a', 'B'] { notify { 'in array': } }
if 'k' in { 'k' => 1 } { notify { 'in hash keys': } }
if $a =~ /^(De)(b\w+)$/ { notify { "captures ${0} ${1} ${2}": } }
if $a =~ /^debian$/ { notify { 'never case sensitive': } } else { notify { 'match is case sensitive': } }
$n = 7 + 3 * 2 - 10 / 5 % 3
$f = 1.5 * 2
$arr = [1, 2] + [3] + 4
$h = { 'a' => 1 } + { 'b' => 2, 'a' => 3 }
$minus = [1, 2, 3, 2] - [2]
$shift = 1 << 4
$app = [1] << [2]
notify { 'math':
  message => "${n} ${f} ${arr} ${h} ${minus} ${shift} ${app} ${10 > 9} ${'a' < 'B'} ${-$n} ${!true}",
}
notify { 'numeric strings': message => '2' + 3 }
