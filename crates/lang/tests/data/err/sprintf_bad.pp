$x = sprintf('%d %d', 1)
