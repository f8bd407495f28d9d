class web (String $p, Integer $q) { }
include web
