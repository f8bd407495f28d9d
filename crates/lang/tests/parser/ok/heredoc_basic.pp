$a = @(END)
  literal $x \n kept
  END
$b = @("END")
    Hello ${name}
      indented
    | END
$c = @(END)
  trimmed
  |- END
notice($a)
