notify { 'x': }
# trailing comment without newline