$half = $total / 2
$re = $name =~ /\.example\.com$/
if $host =~ /^web(\d+)/ { notice($1) }
$q = ($a / $b) / $c
