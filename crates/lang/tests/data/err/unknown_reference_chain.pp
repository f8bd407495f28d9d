notify { 'z': }
Notify['z'] -> Notify['nope']
Notify['gone'] -> Notify['z']
