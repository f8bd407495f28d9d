file { '/var/www/html/index.html': content => file('web/nosuch.html') }
