$t = timestamp()
$u = $list.length
$v = $facts.dig('os', 'family')
