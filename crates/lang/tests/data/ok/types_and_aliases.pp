# Type aliases from the module path and in the manifest, types as values, conversions.
type Local::Size = Enum['small', 'large']
class sized(
  Local::Size $size = 'small',
  Stdlib::Port $port = 8080,
  Aliastest::Config $config = { name => 'web', ensure => 'present' },
  Optional[Stdlib::Absolutepath] $root = undef,
) {
  notify { 'sized':
    message => [
      $size, $port, $config['name'], $root,
      String($port, '%05d'), Integer('0x1F'), Array($size, true),
      Integer[1, 10] < Integer, type([$port, $size]),
      [1, 2, 3].reverse_each.map |Integer $x| >> Integer { $x * 2 },
    ],
  }
}
class { 'sized': size => 'large' }
