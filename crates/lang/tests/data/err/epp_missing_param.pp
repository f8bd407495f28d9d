$x = inline_epp('<%- | String $name | -%>hi <%= $name %>')
$y = inline_epp('<%- | Integer $n | -%><%= $n %>', { 'n' => 'x' })
