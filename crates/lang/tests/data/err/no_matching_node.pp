# node: mail-07
node 'web-01' { notify { 'web': } }
node /^db/ { notify { 'db': } }
