# The reference stack as a control repository: roles by node name, everything else from
# profiles, Hiera data and the Debian-packaged stdlib, apt and ntp modules.
node /^web-\d+$/ {
  include role::web
}

node 'lb-01' {
  include role::lb
}

node default {
  include role::base
}
