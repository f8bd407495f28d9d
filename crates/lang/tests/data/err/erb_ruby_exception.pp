# A template raising a Ruby exception fails the compile, naming the template line.
$ports = 9000
file { '/etc/x': content => inline_template("ports:\n<%= @ports.split(',') %>") }
