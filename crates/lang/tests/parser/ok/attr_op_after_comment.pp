File['/etc/x'] {
  mode /* not +> */ => '0644',
  tag # a comment with +> in it
    +> 'extra',
}
