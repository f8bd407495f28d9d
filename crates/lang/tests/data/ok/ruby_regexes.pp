# Regexes are Ruby's everywhere: node matchers, case, selectors, =~, functions.
node /\Aweb-\h{2}\z/ {
  $brace = 'http {' =~ /http {/
  $kind = $facts['networking']['hostname'] ? {
    /\A(?<role>web)-\d+\z/ => "role ${1}",
    default                => 'other',
  }
  case 'server {' {
    /server {/: { $case = 'literal brace' }
    default:    { $case = 'none' }
  }
  notify { 'regexes':
    message => [$brace, $kind, $case, regsubst('a{b}', '{b}', '(c)'), split('a1b22c', /(\d)+/), 'ab' =~ /(?<=a)b/],
  }
  Package { 'curl': ensure => present }
  file { '/data/': ensure => directory }
  file { '/data/x': ensure => file, require => File['/data'] }
}
