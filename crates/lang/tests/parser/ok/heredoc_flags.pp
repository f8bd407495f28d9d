$a = @("END"/tnL$)
  tab\there \$literal ${x}
  joined \
  line
  | END
$b = @(END:json)
  {"a": 1}
  | END
$c = @(END/)
  all\tescapes\u263A
  | END
