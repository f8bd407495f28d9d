define haproxy::balancermember (
  String $ip,
  Integer $port = 80,
) {
  notify { "member ${title} ${ip}:${port}": }
}
