class web {
  tag 'frontend'
  file { '/etc/web.conf': tag => ['config', 'Important'] }
}
include web
notify { 'untagged': }
define app::instance () {
  notify { "app ${title}": }
}
app::instance { 'one': }
User <| tag == 'staff' |>
@user { 'bob': tag => 'staff' }
