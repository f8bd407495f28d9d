notify { 'bom': }
