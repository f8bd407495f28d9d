# A title must be a string, as in Puppet: converge took 5 as the title "5".
notify { ['a', 5]: }
