# @summary The HAProxy load balancer in front of the web servers.
class role::lb {
  include profile::base
  include profile::lb
}
