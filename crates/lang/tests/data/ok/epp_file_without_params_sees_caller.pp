class motd {
  $owner = 'ops team'
  file { '/etc/motd': content => epp('web/motd.epp') }
}
include motd
