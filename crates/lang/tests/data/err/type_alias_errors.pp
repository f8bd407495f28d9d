type Integer = String
type Local::Twice = Integer
type Local::Twice = String
type Local::NotAType = 5
notice(1 =~ Local::NotAType)
notice('x' =~ Aliastest::Broken)
notice(2 =~ Aliastest::Othername)
