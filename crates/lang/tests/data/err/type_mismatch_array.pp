define ports (Array[Integer] $list) { }
ports { 'p': list => [80, '443'] }
