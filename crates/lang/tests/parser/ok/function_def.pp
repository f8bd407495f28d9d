function mymod::greet(String[1] $who, String $greeting = 'hello', *$rest) >> String {
  if $rest.empty { return("${greeting}, ${who}") }
  "${greeting}, ${who} and ${rest.join(', ')}"
}
function plain() { 42 }
