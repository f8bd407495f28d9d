$parts = splitt('a,b', ',')
notice(upcse('x'))
