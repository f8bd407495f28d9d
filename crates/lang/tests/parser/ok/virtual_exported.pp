@user { 'bob': ensure => present }
@@host { 'web1': ip => '10.0.0.1' }
realize(User['bob'])
realize User['bob'], User['alice']
