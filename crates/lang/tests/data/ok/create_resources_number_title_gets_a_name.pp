# create_resources (and stdlib's ensure_resource through it) gives a resource whose title
# is not a string a `name`, which Puppet's catalog keeps: apache's
# `ensure_resource('apache::listen', $port)` with an Integer port made Apache::Listen[80].
define listen { }
create_resources('listen', { 80 => {}, '81' => {} })
ensure_resource('listen', 82)
ensure_resource('package', [8, 'nine'])
