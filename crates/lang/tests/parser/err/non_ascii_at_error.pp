$listé.each |$k| { }
