notify { 'hello': message => 'hi' }
$a = Notify['missing']['message']
$b = Notify['hello']['title']
class rpe($port = 1) {}
include rpe
$c = Class['rpe']['nope']
