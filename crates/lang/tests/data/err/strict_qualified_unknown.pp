# strict_variables
notify { "${::nosuch} ${web::port}": }
