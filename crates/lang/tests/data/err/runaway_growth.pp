$s = range(1, 40).reduce('ab') |$acc, $i| { "${acc}${acc}" }
$a = range(1, 40).reduce([1]) |$acc, $i| { $acc + $acc }
