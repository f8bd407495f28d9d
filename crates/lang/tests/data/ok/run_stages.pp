# Run stages: classes placed in a stage are contained in it; stages order each other.
stage { 'early': before => Stage['main'] }
class early_things { notify { 'early': } }
class { 'early_things': stage => 'early' }
notify { 'main': }
