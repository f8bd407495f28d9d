# A recursive alias.
type Aliastest::Tree = Variant[Integer, Array[Aliastest::Tree]]
