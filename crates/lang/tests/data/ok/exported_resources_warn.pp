@@host { 'web-01.example.test': ip => $ipaddress }
Host <<| |>>
