package { ['a', 'b']: }
$refs = Package['a', 'b']
notify { 'x': require => $refs }
$r = Resource['package', 'a']
notify { 'y': before => $r }
notify { 'z': subscribe => 'Package[b]' }
notify { 'w': notify => [Notify['x'], [Notify['y']]] }
