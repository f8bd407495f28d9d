# Types called as functions, type aliases, lambda return types, capitalised declarations.
type MyMod::Small = Integer[1, 10]
type Tree = Variant[Integer, Array[Tree]]
$a = Integer('0x10')
$b = String($a, '%05d')
$c = Integer.new('7')
$d = [1, 2].map |Integer $x| >> Integer { $x * 2 }
$e = [1].map |$x| >> Array[Integer, 1] { [$x] }
Package { 'curl': ensure => present }
Package { 'a': ensure => present; 'b': ensure => absent; }
File { mode => '0644' }
File { }
Sensitive('secret')
