# A body that is not nginx syntax, and an upstream with no members.
nginx_server { 'broken':
  content => "listen 80\nserver_name \"a\"b;\n",
}

nginx_upstream { 'empty': }
