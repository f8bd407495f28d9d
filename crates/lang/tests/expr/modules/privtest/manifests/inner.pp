class privtest::inner {
  notice('inner reached')
  assert_private()
}
