validate_re('http {', 'http {')
validate_re('web-01', ['^db', '^lb'])
validate_re('x', '^y', 'x must start with y')
