$a = @("END")
  hello ${name
  | END
