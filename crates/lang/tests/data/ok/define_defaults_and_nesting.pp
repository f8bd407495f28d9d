define inner ($msg) {
  notify { "inner ${title}: ${msg}": }
}
define outer ($count = 2) {
  range(1, $count).each |$i| {
    inner { "${title}-${i}": msg => "from ${title}" }
  }
}
Inner { msg => 'default msg' }
outer { 'o': }
inner { 'direct': }
