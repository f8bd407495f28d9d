if $facts['os']['family'] == 'Debian' {
  package { 'apt-transport-https': }
} elsif $x {
  notice('x')
} else {
  fail('unsupported')
}
unless $port == 80 {
  notice('odd port')
} else {
  notice('http')
}
$v = if $a { 1 } else { 2 }
