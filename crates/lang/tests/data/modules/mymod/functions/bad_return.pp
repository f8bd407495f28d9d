function mymod::bad_return() >> Integer {
  'not a number'
}
