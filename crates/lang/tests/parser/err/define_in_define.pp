define outer () {
  define inner () { }
}
