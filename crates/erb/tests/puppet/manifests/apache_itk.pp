# The itk MPM (with prefork, as Debian needs) and peruser's parameters.
class { 'apache':
  mpm_module => 'prefork',
}
class { 'apache::mod::itk': startservers => 4, minspareservers => 2, maxspareservers => 8, serverlimit => 64, maxclients => 64, maxrequestsperchild => 2000, enablecapabilities => false }
apache::vhost { 'itk.example.com':
  port    => 80,
  docroot => '/var/www/itk',
  itk     => { 'user' => 'www', 'group' => 'www', 'assignuseridexpr' => '%{reqenv:USER}', 'assigngroupidexpr' => '%{reqenv:GROUP}', 'maxclientvhost' => 10, 'nice' => 5, 'limituidrange' => '0 5000', 'limitgidrange' => '0 5000' },
}
