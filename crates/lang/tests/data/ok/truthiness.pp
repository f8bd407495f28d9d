if '' { notify { 'empty string is true': } }
if [] { notify { 'empty array is true': } }
if {} { notify { 'empty hash is true': } }
if 0 { notify { 'zero is true': } }
if undef { notify { 'never undef': } } else { notify { 'undef is false': } }
if false { notify { 'never false': } }
unless false { notify { 'unless false runs': } }
if undef == '' { notify { 'never undef equals empty': } } else { notify { 'undef is not empty string': } }
$x = true and !false or false
notify { "and or: ${x}": }
