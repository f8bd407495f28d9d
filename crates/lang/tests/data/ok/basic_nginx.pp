package { 'nginx':
  ensure => installed,
}

file { '/etc/nginx/sites-available/default':
  ensure  => file,
  content => "server {\n\tlisten 80 default_server;\n\tadd_header X-Served-By ${hostname};\n\tlocation / {\n\t\ttry_files \$uri \$uri/ =404;\n\t}\n}\n",
  require => Package['nginx'],
  notify  => Service['nginx'],
}

service { 'nginx':
  ensure => running,
  enable => true,
}
