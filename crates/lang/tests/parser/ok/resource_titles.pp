$dir = '/srv/www'
file { $dir: ensure => directory }
file { ['/data', '/data/web',]: ensure => directory, }
file { "${dir}/index.html": content => 'hi' }
notify { 'empty': }
