notify { 'héllo ✓': message => 'ok' 'next' }
