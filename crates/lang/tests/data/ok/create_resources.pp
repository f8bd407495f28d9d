$users = {
  'alice' => { 'uid' => 1001, 'shell' => '/bin/bash' },
  'bob'   => { 'uid' => 1002 },
}
create_resources('user', $users, { 'ensure' => 'present', 'shell' => '/bin/sh' })
ensure_packages(['nginx', 'curl'])
ensure_packages(['nginx'])
ensure_resource('file', '/etc/ensured', { 'ensure' => 'directory' })
ensure_resource('file', '/etc/ensured', { 'ensure' => 'directory' })
