notify { 'x': }
}
