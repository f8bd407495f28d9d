notice(@(A), @("B"))
  a text
  | A
  b ${x}
  |- B
