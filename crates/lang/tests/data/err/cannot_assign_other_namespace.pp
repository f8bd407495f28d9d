$web::port = 80
