include hello
