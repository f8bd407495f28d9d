class privtest::caller {
  if true {
    [1].each |$x| { assert_private() }
  }
}
