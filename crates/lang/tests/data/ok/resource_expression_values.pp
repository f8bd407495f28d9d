# A resource expression's value is what it declared, wherever the value is read.
$one = file { '/tmp/one': ensure => file }
$two = package { ['p1', 'p2']: }
notice($one)
notice($two)
$last = if true {
  notify { 'first in the block': }
  service { 's1': }
}
notice($last)
