$x = true.map |$v| { $v }
