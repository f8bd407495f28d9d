package { "a":
  ensure => present
  before => File["b"],
}
