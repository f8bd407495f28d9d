class hello {
  notify { 'hello from the default module path': }
}
