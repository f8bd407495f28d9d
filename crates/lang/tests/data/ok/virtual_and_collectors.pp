@user { 'alice': ensure => present, tag => ['admin'] }
@user { 'bob': ensure => present, tag => 'dev' }
@user { 'carol': ensure => present, tag => 'admin' }
@package { 'never-realized': }
User <| tag == 'admin' |>
@group { 'ops': }
realize(Group['ops'])
@notify { 'late': }
realize Notify['late']
