notify 'hello there'
