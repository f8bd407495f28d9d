file { '/etc/nginx/sites-available/default':
  content => "location / {\n  try_files $uri $uri/ =404;\n}\n",
}
notify { "undefined is empty: [${nosuch}]": }
