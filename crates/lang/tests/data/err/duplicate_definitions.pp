class web { }
class web { }
define site () { }
define site () { }
include web
