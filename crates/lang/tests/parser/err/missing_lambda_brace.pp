$list.each |$x| notice($x)
