file { '/x': require +> File['/y'] }
file { '/y': }
