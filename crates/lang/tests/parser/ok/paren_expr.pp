$a = (1)
$b = !($x and $y)
