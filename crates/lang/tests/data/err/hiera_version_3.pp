$x = lookup('oldhiera::a')
