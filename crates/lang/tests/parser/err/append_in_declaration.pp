file { '/x': require +> File['/y'] }
