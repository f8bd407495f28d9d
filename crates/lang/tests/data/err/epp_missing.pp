file { '/etc/x': content => epp('web/nosuch.epp') }
file { '/etc/y': content => epp('nomodule/x.epp') }
