Exec <| tag == 'apt' |> {
  require +> Exec['apt_update'],
  path    => '/usr/bin',
}
