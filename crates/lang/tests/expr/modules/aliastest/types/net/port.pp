type Aliastest::Net::Port = Variant[Aliastest::Small, Integer[1024, 65535]]
