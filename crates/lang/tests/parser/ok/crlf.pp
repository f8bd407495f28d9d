package { "nginx":
  ensure => installed,
}
$x = "a
b"
