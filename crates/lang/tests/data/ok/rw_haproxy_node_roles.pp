# node: lb-01
node /^web-\d+$/ {
  package { 'nginx': ensure => installed }
}
node 'lb-01' {
  $servers = ['10.0.0.11', '10.0.0.12']
  $lines = $servers.map |$i, $ip| { sprintf("\tserver web-%02d %s:80 check", $i + 1, $ip) }
  package { 'haproxy': }
  -> file { '/etc/haproxy/haproxy.cfg':
    content => inline_epp(@(EPP), { 'lines' => $lines }),
      <%- | Array[String] $lines | -%>
      frontend http-in
      	bind *:80
      	default_backend servers
      backend servers
      	balance roundrobin
      <% $lines.each |$l| { -%>
      <%= $l %>
      <% } -%>
      | EPP
  }
  ~> service { 'haproxy': ensure => running }
}
