function mymod::util::octal(Integer[0] $n) >> String {
  sprintf('%04o', $n)
}
