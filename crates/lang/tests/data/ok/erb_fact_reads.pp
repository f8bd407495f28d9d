# Templates read facts through their scope (`@fqdn`, `scope['networking']`,
# `lookupvar('::osfamily')`) and may read a fact this node lacks (`@role`): each is a fact
# read, so another node compiles this again unless it agrees on all of them.
notify { 'facts':
  message => inline_template("<%= scope.lookupvar('::osfamily') %> <%= scope['networking']['ip'] %> <%= @fqdn %> <%= @role.inspect %>"),
}
