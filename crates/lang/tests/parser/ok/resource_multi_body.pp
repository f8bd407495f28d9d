file {
  default:
    mode  => '0644',
    owner => 'root';
  '/a':
    ensure => file;
  '/b':
    ensure => directory,
    mode   => '0755';
}
