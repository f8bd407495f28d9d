class web { }
web { 'x': }
