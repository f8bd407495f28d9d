# @summary The nginx site; only profile::web may declare it.
class profile::web::config {
  assert_private()

  $header = profile::served_by($trusted['hostname'])
  file { '/etc/nginx/sites-available/default':
    ensure  => file,
    content => epp('profile/nginx-site.epp', {
      'port'         => $profile::web::port,
      'docroot'      => $profile::web::docroot,
      'server_names' => $profile::web::server_names,
      'header'       => $header,
      'caller'       => $caller_module_name,
    }),
  }
}
