if 'abc' =~ /(unclosed/ { notify { 'x': } }
