define nginx::vhost (
  String $docroot = "/var/www/${title}",
  Integer[1, 65535] $port = 80,
  Optional[Hash[String, String]] $headers = undef,
) {
  file { "/etc/nginx/sites-available/${name}":
    content => "server { listen ${port}; root ${docroot}; }\n",
  }
}
nginx::vhost { ['a.example.com', 'b.example.com']: port => 8080 }
