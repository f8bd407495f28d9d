type Aliastest::Config = Struct[{
  name            => String[1],
  Optional[port]  => Stdlib::Port,
  ensure          => Enum['present', 'absent'],
  tags            => Optional[Array[String]],
}]
