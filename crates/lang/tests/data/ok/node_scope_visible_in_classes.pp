class web {
  notify { "web sees node var ${role} and class name ${name}/${title}": }
  file { '/etc/web': }
}
node default {
  $role = 'frontend'
  File { mode => '0600' }
  include web
}
