# node: web-42.example.test
node 'db-01' {
  notify { 'db': }
}
node /^web-\d+/ {
  notify { 'regex node': }
}
node default {
  notify { 'default': }
}
