if $x {
  class inner { }
}
