define loop::forever () {
  loop::forever { "${title}x": }
}
loop::forever { 'a': }
