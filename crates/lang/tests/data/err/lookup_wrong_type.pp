$x = lookup('mymod::servers', String)
