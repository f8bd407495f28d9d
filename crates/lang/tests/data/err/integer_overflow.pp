$big = 9223372036854775807
$boom = $big + 1
$mul = $big * 2
