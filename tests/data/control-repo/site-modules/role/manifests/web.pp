# @summary A web server behind the load balancer.
class role::web {
  include profile::base
  include profile::web
}
