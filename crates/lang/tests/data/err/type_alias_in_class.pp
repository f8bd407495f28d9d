class web {
  type Web::Port = Integer[1, 65535]
}
include web
