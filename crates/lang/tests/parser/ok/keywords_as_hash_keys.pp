$h = { type => 'x', 'default' => 1 }
