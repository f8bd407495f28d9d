# A module with private parts, for stdlib's assert_private.
class privtest {
  include privtest::inner
}
