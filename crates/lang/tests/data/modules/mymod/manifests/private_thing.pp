class mymod::private_thing {
  assert_private()
  notify { "private, called from ${caller_module_name}": }
}
