User <| tag == 'admin' |>
Notify <| title == 'virtual' and tag != 'y' |>
Package <| (title == 'a' or title == 'b') and tag == 'c' |>
File <| tag == 'x' |> { mode => '0600' }
Host <<| |>>
Host <<| tag == 'web' |>>
