if $x
  notice('x')
}
