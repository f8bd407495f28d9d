file { '/etc/motd':
  content => @(EOT),
    Welcome to ${hostname}
    | EOT
  mode    => '0644',
}
$two = [@(A), @(B)]
  first
  | A
  second
  | B
notice($two)
