class limits (Hash[String, Integer] $l) { }
class { 'limits': l => { 'nofile' => 'many' } }
