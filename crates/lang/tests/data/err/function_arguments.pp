notify { 'a': message => mymod::greet('') }
notify { 'b': message => mymod::greet() }
notify { 'c': message => mymod::bad_return() }
notify { 'd': message => mymod::nosuch() }
