# A template the native renderer declines, and no Ruby fallback: a located error naming
# the template line and the construct.
$port = 80
file { '/etc/x': content => template('web/declined.erb') }
