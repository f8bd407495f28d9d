$x = lookup('badyaml::a')
