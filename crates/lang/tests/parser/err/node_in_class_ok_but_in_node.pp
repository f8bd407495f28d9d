node 'a' {
  class inner { }
}
