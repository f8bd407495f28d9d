class child inherits missing_parent { }
include child
