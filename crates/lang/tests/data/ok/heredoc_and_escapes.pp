$a = "tab\tnewline\nquote\" dollar\$ backslash\\ unicode\u263A \u{1F600} single\'"
$b = 'single \'quoted\' with \\ and \n literal'
$c = @(END)
  literal ${hostname}
    indented
  | END
$d = @("END")
  interpolated ${hostname}
  |-END
$e = "line continuation \
done"
notify { 'escapes': message => [$a, $b, $c, $d, $e] }
