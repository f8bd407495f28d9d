[1, 'two'].each |Integer $n| { notice($n) }
