# A type alias autoloaded from the module path.
type Aliastest::Small = Integer[1, 10]
