define web::site (String $docroot) { }
web::site { 'a': docroot => '/srv/a', docrot => '/srv/b' }
web::site { 'b': }
