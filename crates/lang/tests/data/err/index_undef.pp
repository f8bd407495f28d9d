$v = $facts['nosuch']['key']
