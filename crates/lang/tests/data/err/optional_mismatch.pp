class c (Optional[Integer] $n = undef) { }
class { 'c': n => 'many' }
