$re = "^\d+\.\w$"
notice($re)
