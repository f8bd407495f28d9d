node 'web-01' { include web }
node 'a', 'b' { }
node /^web\d+$/ { }
node default { }
node web02.example.com, "db01" { }
