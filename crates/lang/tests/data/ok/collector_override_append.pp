file { '/etc/a': tag => 'managed', require => File['/etc/b'] }
file { '/etc/b': tag => 'managed' }
file { '/etc/c': }
package { 'p': }
File <| tag == 'managed' |> {
  mode    => '0640',
  require +> Package['p'],
}
File <| title == '/etc/c' or title == '/etc/b' |> { owner => 'root' }
