# setvar, a mutated hash seen by a nested template, functions, logging.
class demo::scope($items = [{ 'name' => 'a', 'port' => 80 }, { 'name' => 'b' }]) {
  file { '/tmp/scope': content => template('demo/scope.erb') }
  notify { 'after': message => "set by the template: ${size($_template_scope)} entry" }
}
include demo::scope
notify { 'multi': message => template('demo/_headers.erb', 'demo/_headers.erb') }
notify { 'inline multi': message => inline_template('<%= 1 + 1 %>', '-', '<%= [3, 1, 2].max %>') }
