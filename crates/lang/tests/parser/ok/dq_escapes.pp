$a = "tab\there\nnewline \\ backslash \$uri \" quote \' single \s space"
$b = "unicode \u263A and \u{1F600}"
$c = "continued \
line"
$d = "carriage\r"
