$x = lookup('badinterp::value')
