$v = $a ? {
  'x'     => $b ? { true => 1, default => 2 },
  default => undef,
}
$w = $os ? { /(?i:debian)/ => 'deb', default => 'other' }
