notify { 'x':
  message => "unterminated,
}
