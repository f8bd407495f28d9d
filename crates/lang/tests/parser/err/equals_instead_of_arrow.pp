package { 'nginx':
  ensure = installed,
}
