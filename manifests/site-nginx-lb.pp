# The reference web stack with nginx as the load balancer instead of HAProxy: the same
# web servers; lb-01 includes `load_balancer::nginx`. `cargo xtask demo --nginx-lb`.

node 'web-01', 'web-02' {
  include web_server
}

node 'lb-01' {
  include load_balancer::nginx
}
