# The reference web stack: `converge apply manifests/site.pp` on a host named after its role.
node 'web-01', 'web-02' {
  include web_server
}
