# The hierarchy reads a variable of the calling scope (`%{tier}`): every lookup must
# resolve the paths for its own scope, and one that reads only facts may be resolved once
# (tests/hiera.rs compares each notify's message with Puppet's).
$before = lookup('price')

class gold {
  $tier = 'gold'
  notify { 'gold': message => lookup('price') }
  notify { 'family from gold': message => lookup('family_note') }
}

class silver {
  $tier = 'silver'
  notify { 'silver': message => lookup('price') }
}

include gold
include silver

$tier = 'bronze'

class plain {
  notify { 'plain': message => lookup('price') }
}

class priced (Integer $price) {
  notify { 'priced': message => $price }
}

include plain
include priced

notify { 'top before the assignment': message => $before }
notify { 'top after the assignment': message => lookup('price') }
notify { 'family from top': message => lookup('family_note') }
