node 'db-01' {
  notify { 'db': }
}
node 'web-01', 'web-02' {
  notify { "web node ${hostname}": }
}
node /^web/ {
  notify { 'regex': }
}
node default {
  notify { 'default': }
}
notify { 'main code first': }
