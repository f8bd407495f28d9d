class a {
  function a::f() { 1 }
}
