$port = 80
$port = 8080
notify { "port ${port}": }
