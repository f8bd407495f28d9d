# The peruser MPM.
class { 'apache':
  mpm_module => false,
}
class { 'apache::mod::peruser': maxclients => '200', keepalive => 'On' }
