# template() with a nested template, inline_template() with several texts.
class site($links = { 'docs' => '/docs', 'about' => '/about' }, $owner = 'ops') {
  file { '/var/www/index.html': content => template('web/page.erb') }
  notify { 'inline': message => inline_template('<%= @links.keys.sort.join(",") %>', ' by <%= @owner %>') }
}
include site
