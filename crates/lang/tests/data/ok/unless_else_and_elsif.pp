$n = 5
if $n < 3 { $size = 'small' }
elsif $n < 10 { $size = 'medium' }
else { $size = 'large' }
unless $size == 'medium' { notify { 'not medium': } } else { notify { "size ${size}": } }
