type Aliastest::Othername = Integer
