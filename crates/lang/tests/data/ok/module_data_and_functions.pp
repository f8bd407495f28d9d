# Module data (hiera.yaml + data/) feeds class parameters; functions/*.pp autoload;
# lookup() in its forms; $module_name, $caller_module_name and assert_private().
include mymod
$merged = lookup('mymod::settings')
$first = lookup('mymod::settings', Hash, 'first')
$names = lookup(['mymod::nope', 'mymod::servers'])
$dflt = lookup('mymod::nope', undef, undef, 'the default')
$opts = lookup({ 'name' => 'mymod::nope', 'default_value' => 'from options' })
$opts2 = lookup('mymod::nope', { 'default_values_hash' => { 'mymod::nope' => 'from the hash' } })
$block = lookup('mymod::nope') |$k| { "block for ${k}" }
$dug = lookup('mymod::settings.nested.y')
$secret = lookup('mymod::secret_token')
$aliased = lookup('mymod::aliased')
$unique = lookup('mymod::servers', { 'merge' => 'unique' })
notify { 'lookups':
  message => [$merged, $first, $names, $dflt, $opts, $opts2, $block, $dug, $aliased, $unique],
}
notify { 'secret': message => $secret }
notify { 'greetings':
  message => [mymod::greet('web'), mymod::greet('web', 'hi', 'lb', 'db')],
}
