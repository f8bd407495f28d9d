# Each lookup's value lands in a notify's message, so that Puppet's catalog and converge's
# can be compared value for value (tests/hiera.rs).
$lookups = {
  'ports'          => lookup('ports'),
  'ports unique'   => lookup('ports', Array, 'unique'),
  'settings'       => lookup('settings'),
  'settings hash'  => lookup('settings', Hash, 'hash'),
  'owner'          => lookup('owner'),
  'role'           => lookup('role'),
  'extra'          => lookup('extra'),
  'json_only'      => lookup('json_only'),
  'dig'            => lookup('json_only.nested.1'),
  'mode'           => lookup('mode'),
  'flags'          => lookup('flags'),
  'numbers'        => lookup('numbers'),
  'nothing'        => lookup('nothing', undef, undef, 'default used'),
  'aliased'        => lookup('aliased'),
  'literal'        => lookup('literal'),
  'scoped'         => lookup('scoped'),
  'knocked'        => lookup('knocked', Hash, { 'strategy' => 'deep', 'knockout_prefix' => '--' }),
  'deep hashes'    => lookup('settings', Hash, { 'strategy' => 'deep', 'merge_hash_arrays' => true }),
  'converted'      => lookup('converted'),
  'missing'        => lookup('no::such::key', undef, undef, 'fallback'),
}
$lookups.each |$name, $value| {
  notify { $name: message => $value }
}
