# strict_variables
file { '/etc/nginx/sites-available/default':
  content => "try_files $uri =404;",
}
