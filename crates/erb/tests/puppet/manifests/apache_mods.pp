# Every apache::mod class with a template, with parameters that take the templates'
# branches (worker MPM).
class { 'apache':
  default_vhost => false,
  default_mods  => false,
  mpm_module    => 'worker',
  server_tokens => 'Prod',
  log_formats   => { 'vhost_common' => '%v %h %l %u %t \"%r\" %>s %b' },
}
class { 'apache::mod::alias': icons_options => 'None' }
class { 'apache::mod::auth_cas':
  cas_login_url    => 'https://cas.example.com/login',
  cas_validate_url => 'https://cas.example.com/validate',
  cas_debug        => 'On',
  cas_attribute_prefix => 'CAS_',
}
class { 'apache::mod::auth_mellon': mellon_cache_size => 200, mellon_lock_file => '/run/mellon.lock' }
class { 'apache::mod::authn_dbd':
  authn_dbd_params => 'host=db user=apache password=secret dbname=apacheauth',
  authn_dbd_alias  => 'db_auth',
  authn_dbd_query  => 'SELECT password FROM authn WHERE user = %s',
}
class { 'apache::mod::ldap': ldap_trusted_global_cert_file => '/etc/ssl/certs/ca.pem', ldap_trusted_mode => 'TLS', ldap_shared_cache_size => '500000', ldap_cache_entries => '1024', ldap_cache_ttl => '600', ldap_opcache_entries => '1024', ldap_opcache_ttl => '600', ldap_path => '/ldap-status' }
class { 'apache::mod::authnz_ldap': verify_server_cert => false }
class { 'apache::mod::autoindex': }
class { 'apache::mod::cgid': }
class { 'apache::mod::dav': }
class { 'apache::mod::dav_fs': }
class { 'apache::mod::deflate': }
class { 'apache::mod::dir': indexes => ['index.html', 'index.php'] }
class { 'apache::mod::cache': }
class { 'apache::mod::disk_cache': }
class { 'apache::mod::dumpio': dump_io_input => 'On' }
class { 'apache::mod::expires': expires_active => true, expires_default => 'access plus 1 month', expires_by_type => [{ 'text/json' => 'access plus 1 day' }, { 'text/html' => 'access plus 1 hour' }] }
class { 'apache::mod::ext_filter': ext_filter_define => { 'slowdown' => 'mode=output cmd=/bin/cat preservescontentlength', 'puppetdb-strip' => 'mode=output outtype=application/json cmd="pdb-resource-filter"' } }
class { 'apache::mod::fastcgi': }
class { 'apache::mod::fcgid': options => { 'FcgidIPCDir' => '/var/run/fcgidsock', 'SharememPath' => '/var/run/fcgid_shm', 'AddHandler' => 'fcgid-script .fcgi' } }
class { 'apache::mod::geoip': db_file => ['/usr/share/GeoIP/GeoIP.dat', '/usr/share/GeoIP/City.dat'], scan_proxy_header_field => 'X-Forwarded-For', use_last_xforwarededfor_ip => 'On' }
class { 'apache::mod::http2': h2_copy_files => false, h2_direct => true, h2_max_session_streams => 100, h2_push => true, h2_push_priority => ['application/json 32'], h2_push_resource => ['/style.css'], h2_serialize_headers => false, h2_upgrade => true, h2_window_size => 65535, h2_stream_max_mem_size => 65536, h2_tls_cool_down_secs => 1, h2_tls_warm_up_size => 1048576, h2_max_worker_idle_seconds => 600, h2_max_workers => 4, h2_min_workers => 1, h2_modern_tls_only => true, h2_push_diary_size => 256 }
class { 'apache::mod::info': allow_from => ['10.0.0.0/8', '127.0.0.1'], restrict_access => true }
class { 'apache::mod::jk':
  workers_file => 'workers.properties',
  mount_file   => 'uriworkermap.properties',
  shm_file     => 'jk.shm',
  log_level    => 'info',
  workers_file_content => {
    'worker_lists'    => ['node1', 'node2'],
    'worker_maintain' => 40,
    'node1'           => { 'comment' => 'First node', 'type' => 'ajp13', 'host' => 'app1', 'port' => 8009 },
    'node2'           => { 'type' => 'ajp13', 'host' => 'app2', 'port' => 8009 },
  },
  mount_file_content => {
    'node1' => { 'comment' => 'Node one', 'uri_list' => ['/app1', '/app1/*'] },
  },
  location_list => [{ 'Location' => '/jkstatus/', 'Comment' => 'jkstatus', 'JkMount' => 'status', 'Order' => 'deny,allow', 'Deny from' => 'all', 'Allow from' => '127.0.0.1' }],
}
class { 'apache::mod::mime': mime_types_additional => { 'AddHandler' => { 'type-map' => 'var' }, 'AddType' => { 'text/html' => '.shtml' }, 'AddOutputFilter' => { 'INCLUDES' => '.shtml' } } }
class { 'apache::mod::mime_magic': }
class { 'apache::mod::negotiation': force_language_priority => ['Prefer', 'Fallback'], language_priority => ['en', 'de', 'fr'] }
class { 'apache::mod::nss': }
class { 'apache::mod::pagespeed': allow_view_stats => ['127.0.0.1', '10.0.0.0/8'], additional_configuration => { 'ModPagespeedRunExperiment' => 'on', 'ModPagespeedExperimentSpec' => 'id=1;percent=50' } }
class { 'apache::mod::passenger': passenger_max_pool_size => 12, passenger_root => '/usr/lib/ruby/vendor_ruby/phusion_passenger/locations.ini', passenger_pre_start => ['http://web-01/'], passenger_friendly_error_pages => 'On' }
class { 'apache::mod::proxy': proxy_requests => 'Off', allow_from => ['10.0.0.0/8'], proxy_via => 'On', proxy_timeout => 300 }
class { 'apache::mod::status': requires => { 'requires' => ['ip 10.0.0.0/8', 'host example.com'], 'enforce' => 'Any' }, extended_status => 'On', status_path => '/server-status' }
class { 'apache::mod::proxy_balancer': manager => true, allow_from => ['10.0.0.1'] }
class { 'apache::mod::proxy_html': }
class { 'apache::mod::reqtimeout': timeouts => ['header=20-40,minrate=500', 'body=10,minrate=500'] }
class { 'apache::mod::rpaf': proxy_ips => ['10.0.0.1', '10.0.0.2'], header => 'X-Real-IP', sethostname => true }
class { 'apache::mod::setenvif': }
class { 'apache::mod::ssl': ssl_compression => false, ssl_cipher => 'HIGH:!aNULL', ssl_protocol => ['all', '-SSLv3'], ssl_honorcipherorder => true, ssl_stapling => true, ssl_stapling_return_errors => false, ssl_sessiontickets => false, ssl_mutex => 'default', ssl_pass_phrase_dialog => 'builtin', ssl_random_seed_bytes => '512', ssl_sessioncache => '300', ssl_openssl_conf_cmd => 'DHParameters "/etc/ssl/dh.pem"' }
class { 'apache::mod::userdir': home => '/home', dir => 'public_html', overrides => ['FileInfo', 'AuthConfig', 'Limit'], options => ['MultiViews', 'Indexes', 'SymLinksIfOwnerMatch'], unmanaged_path => false }
class { 'apache::mod::wsgi': wsgi_socket_prefix => '/var/run/wsgi', wsgi_python_home => '/opt/python', wsgi_python_path => '/opt/app', wsgi_restrict_embedded => 'On' }
class { 'apache::mod::security': audit_log_storage_dir => '/var/log/modsec', anomaly_score_blocking => 'on', secdefaultaction => 'pass,log' }
apache::fastcgi::server { 'php': host => '127.0.0.1:9000', timeout => 15, flush => false, faux_path => '/var/www/php.fcgi', fcgi_alias => '/php.fcgi', file_type => 'application/x-httpd-php', pass_header => 'Authorization' }
apache::listen { '8080': }
apache::namevirtualhost { '*:8080': }
apache::balancer { 'puppet00': proxy_set => { 'stickysession' => 'JSESSIONID', 'lbmethod' => 'bytraffic' }, options => ['growth=10'] }
apache::balancermember { 'puppet00-web01': balancer_cluster => 'puppet00', url => 'http://10.0.0.11:80', options => ['ping=5', 'disablereuse=on', 'retry=5', 'ttl=120'] }
class { 'apache::confd::no_accf': }
