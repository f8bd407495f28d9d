notify { 'legacy':
  message => "${hostname} ${::hostname} ${::fqdn} ${ipaddress} ${osfamily} ${operatingsystem} ${operatingsystemmajrelease}",
}
notify { 'structured':
  message => "${facts['networking']['hostname']} ${facts['os']['family']} ${facts[os][release][major]} ${trusted['certname']}",
}
notify { 'interfaces':
  message => "${ipaddress_eth0} ${facts['networking']['interfaces']['lo']['ip']} ${networking['fqdn']} ${facts['processors']['count']}",
}
notify { "plain $hostname and $::domain": }
