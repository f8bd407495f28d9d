if $x { fail "unsupported ${x}" }
