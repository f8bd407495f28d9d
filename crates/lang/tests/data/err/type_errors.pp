# Every statement fails on its own; each error is located.
$a = Foo::Bar
$b = Integer['a']
$c = Integer('abc')
$d = assert_type(Array[String, 2], ['a'])
$e = 5 =~ /5/
$f = 'x' =~ '('
$g = Variant[1]
$h = String(5, '%q')
