class { 'nginx':
  worker_processes => 4,
  require          => Class['base'],
}
class { ['a', 'b']: }
include nginx
contain nginx
