$config = {
  'servers' => [
    { 'name' => 'a', 'ports' => [80, 443] },
    { 'name' => 'b', 'ports' => [8080] },
  ],
}
$config['servers'].each |$s| {
  $s['ports'].each |$p| {
    notify { "${s['name']}:${p}": }
  }
}
$count = $config['servers'].map |$s| { $s['ports'].length }.reduce |$a, $b| { $a + $b }
notify { "total ports ${count}": }
