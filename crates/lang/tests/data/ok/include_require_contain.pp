class base {
  package { 'curl': }
}
class app {
  contain app::config
  require base
  include base
  include app
}
class app::config {
  file { '/etc/app.conf': ensure => file }
}
include app
include base, app
