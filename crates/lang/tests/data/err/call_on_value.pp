$x = 'a'
notice($x('b'))
