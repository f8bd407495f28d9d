$checks = [
  'abc' =~ String,
  5 =~ Integer,
  5 =~ Integer[1, 4],
  '5' =~ Integer,
  [1, 2] =~ Array[Integer],
  { 'a' => 1 } =~ Hash[String, Integer],
  undef =~ Optional[String],
  'b' =~ Enum['a', 'b'],
  'web-01' =~ Pattern[/^web-\d+$/],
  3.5 =~ Numeric,
  'x' =~ Variant[Integer, String],
  true =~ Boolean,
  80 =~ Stdlib::Port,
  'x' =~ Scalar,
  { 'a' => [1] } =~ Data,
  Integer =~ Type,
  'x' =~ NotUndef,
  undef =~ Undef,
  [1, 'a'] =~ Tuple[Integer, String],
]
notify { "types ${checks}": }
notify { "names ${String} ${Array[String]} ${Hash[String, Integer]} ${Optional[Integer]} ${Enum['a', 'b']} ${Integer[1, 10]}": }
$conv = [Integer.new('42'), Integer.new('0x1F'), Float.new('1.5'), String.new(5), Boolean.new('yes'), Array.new('x'), Integer.new(3.9)]
notify { "conversions ${conv}": }
