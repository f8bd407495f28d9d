case $facts['os']['name'] {
  'Debian', 'Ubuntu': { $pkg = 'apache2' }
  /^Cent/, 'RedHat': { $pkg = 'httpd' }
  default: { }
}
case $x { *$list: { notice('in list') } }
