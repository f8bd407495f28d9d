# The reference web server as manifests/modules/web_server had it when issue 17's fleet
# benchmark was written (the redirect as a rewrite directive), pinned here so that the
# measurement and xtask/bench/fleet/site.yml, which must leave the same files, do not move
# with the module. `cargo xtask bench --fleet` applies it with `include fleet_web_server`.
# An nginx web server on port 80 whose every response (200, 301, 404) carries a header
# naming the host: `GET /` serves the index text, the redirect path answers 301 to the
# target, any missing page answers 404 with the not-found text.
#
# The directives go into Debian's default site with nginx_directive, which edits the file
# structurally (one directive per header name, updated in place when the value changes),
# tests the whole configuration with `nginx -t` before writing and reloads a running nginx
# itself; the service only has to be running.
class fleet_web_server (
  String $header_name    = 'X-Served-By',
  String $header_value   = $facts['networking']['hostname'],
  String $index_text     = 'Hello World!',
  String $redirect_path  = '/redirect_me',
  String $redirect_to    = 'https://www.youtube.com/watch?v=QH2-TGUlwu4',
  String $not_found_text = "Ceci n'est pas une page",
) {
  package { 'nginx':
    ensure => installed,
  }

  file { '/var/www/html/index.html':
    ensure  => file,
    content => "${index_text}\n",
    require => Package['nginx'],
  }

  file { '/var/www/html/404.html':
    ensure  => file,
    content => "${not_found_text}\n",
    require => Package['nginx'],
  }

  # `always`: nginx adds the header to error and redirect responses too.
  nginx_directive { 'header':
    directive => 'add_header',
    value     => [$header_name, $header_value, 'always'],
  }

  nginx_directive { 'redirect':
    directive => 'rewrite',
    value     => ["^${redirect_path}\$", $redirect_to, 'permanent'],
  }

  nginx_directive { 'not found page':
    directive => 'error_page',
    value     => ['404', '/404.html'],
    require   => File['/var/www/html/404.html'],
  }

  service { 'nginx':
    ensure  => running,
    enable  => true,
    require => [
      Nginx_directive['header'],
      Nginx_directive['redirect'],
      Nginx_directive['not found page'],
      File['/var/www/html/index.html'],
    ],
  }

  # What the server must answer, verified after every apply (and by `converge doctor`).
  http_check { 'web_server index':
    url     => 'http://127.0.0.1/',
    status  => 200,
    body    => $index_text,
    headers => { $header_name => $header_value },
    require => Service['nginx'],
  }

  http_check { 'web_server redirect':
    url     => "http://127.0.0.1${redirect_path}",
    status  => 301,
    headers => { 'Location' => $redirect_to },
    require => Service['nginx'],
  }

  http_check { 'web_server not found page':
    url     => 'http://127.0.0.1/converge-check-missing-page',
    status  => 404,
    body    => $not_found_text,
    require => Service['nginx'],
  }
}
