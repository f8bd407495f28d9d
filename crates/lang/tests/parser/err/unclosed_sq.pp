$a = 'oops
