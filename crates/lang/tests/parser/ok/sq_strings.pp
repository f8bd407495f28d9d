$a = 'add_header X-Served-By $hostname;'
$b = 'it\'s a \\ backslash and \n stays'
$c = 'multi
line'
$d = ''
