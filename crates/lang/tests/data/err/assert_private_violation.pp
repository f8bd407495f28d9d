include mymod::private_thing
