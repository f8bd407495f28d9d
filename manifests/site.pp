# The reference web stack: two nginx web servers behind one HAProxy load balancer.
# `converge apply manifests/site.pp`, unchanged, on every host: each host picks its node
# block by name.

node 'web-01', 'web-02' {
  include web_server
}

node 'lb-01' {
  include load_balancer
}
