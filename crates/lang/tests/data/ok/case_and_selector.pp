case $facts['os']['name'] {
  'Ubuntu', 'Debian': { $pkg = 'apache2' }
  /^(RedHat|CentOS)$/: { $pkg = 'httpd' }
  default: { $pkg = 'unknown' }
}
case $facts['os']['release']['full'] {
  /^(\d+)\.(\d+)$/: { notify { "major ${1} minor ${2}": } }
  default: {}
}
$service = $osfamily ? {
  'redhat' => 'httpd',
  /(?i:debian)/ => 'apache2',
  default => 'www',
}
$port = 443 ? { 80 => 'http', 443 => 'https' }
$typed = 42 ? { String => 'string', Integer => 'integer', default => 'other' }
case 'x' { 'y': { notify { 'never': } } }
notify { "${pkg} ${service} ${port} ${typed}": }
$list = ['a', 'b']
case 'b' { *$list: { notify { 'splat case option': } } }
