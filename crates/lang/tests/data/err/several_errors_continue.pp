$a = 1
$a = 2
notify { 'ok': }
include nosuchclass
notify { 'ok': }
notify { 'also ok': require => Notify['missing'] }
