package { ['a', 'b']: tag => 'pkgs' }
service { 'svc': }
Package <| tag == 'pkgs' |> -> Service['svc']
Service['svc'] ~> Exec <| |>
exec { '/bin/true': refreshonly => true }
