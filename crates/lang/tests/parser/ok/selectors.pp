$pkg = $facts['os']['family'] ? {
  'Debian' => 'apache2',
  /RedHat|CentOS/ => 'httpd',
  default  => 'apache',
}
$n = $x ? { 1 => 'one', default => 'many', }
