$x = join()
$y = versioncmp('1')
