$x = lookup('nodatadir::a')
