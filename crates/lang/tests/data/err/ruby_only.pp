notify { 'a': message => mymod::rbonly() }
notify { 'b': message => old_rb() }
rbtype { 'x': }
