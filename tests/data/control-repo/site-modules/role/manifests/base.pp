# @summary Every host: the base profile alone.
class role::base {
  include profile::base
}
