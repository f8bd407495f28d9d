# node: mail-07
node 'web-01' { notify { 'web': } }
node default { notify { "default node for ${trusted['certname']}": } }
