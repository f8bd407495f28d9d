# expect: error Port 70000 is out of range
class demo::failing($port = 70000) {
  notify { 'x': message => inline_template("<% scope.function_fail(['Port ' + @port.to_s + ' is out of range']) if @port > 65535 -%>ok") }
}
include demo::failing
