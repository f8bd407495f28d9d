if $facts['os']['family'] != 'RedHat' {
  fail("This module only supports RedHat, not ${facts['os']['family']}")
}
notify { 'never reached': }
