# node: web-01.example.test
node 'web-01' {
  notify { 'short name matches': }
}
