$a = @(END)
  line one
  line two
  | END
notice($a)
