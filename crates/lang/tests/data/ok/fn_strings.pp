$parts = split('a,b,,c,,', ',')
$re = split('one  two three', /\s+/)
notify { 'split': message => "${parts} ${re} ${split('', ',')}" }
notify { 'join': message => join(['x', 1, true], '-') }
notify { 'regsubst':
  message => [
    regsubst('hello world', 'o', '0'),
    regsubst('hello world', 'o', '0', 'G'),
    regsubst('Hello', 'h', 'J', 'I'),
    regsubst('2024-01-31', '(\d+)-(\d+)-(\d+)', '\3/\2/\1'),
    regsubst(['a.b', 'c.d'], '\.', '_'),
    regsubst('cost', 't$', '$5'),
  ],
}
notify { 'sprintf': message => sprintf('%s:%05d|%-6s|%.2f|%x|%%|%+d', 'port', 80, 'ab', 3.14159, 255, 5) }
notify { 'case': message => [upcase('abc'), downcase('ÀBC'), capitalize('hELLO'), strip("  x \n"), lstrip(' y '), rstrip(' z ')] }
notify { 'methods': message => 'a-b'.split('-').join('+').upcase }
