include web
web::vhost { 'blog.example.test': port => 8080 }
web::vhost { 'shop': }
