$ip = $facts['networking']['interfaces'][$iface]['ip']
$first = $list[0][1]
$slice = $str[0, 3]
