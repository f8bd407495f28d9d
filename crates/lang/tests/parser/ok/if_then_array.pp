if $x { notice('a') }
[1, 2].each |$i| { notice($i) }
$y = split('a,b', ',')
['a'].each |$s| { }
