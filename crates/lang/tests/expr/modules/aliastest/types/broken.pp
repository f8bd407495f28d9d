type Aliastest::Broken = Variant[Integer, Aliastest::Nonexistent]
