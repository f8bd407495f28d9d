node default {
  include nginx_cofnig
}
