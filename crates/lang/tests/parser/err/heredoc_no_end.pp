$a = @(END)
  text
  ENDX
