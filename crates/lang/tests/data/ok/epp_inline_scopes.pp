$greeting = 'hello'
$t1 = inline_epp('<%= $greeting %> <%= $facts["networking"]["hostname"] %>!')
$t2 = inline_epp('<%- | $who = "world" | -%>Hi <%= $who %><% if $who == "you" { %> (you)<% } %>', { 'who' => 'you' })
$t3 = inline_epp('<%# a comment %>plain <%% not a tag %%>')
file { '/tmp/t1': content => $t1 }
file { '/tmp/t2': content => $t2 }
file { '/tmp/t3': content => $t3 }
