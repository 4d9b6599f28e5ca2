file(REMOVE_RECURSE
  "libeddy_protocol_testing.a"
)
