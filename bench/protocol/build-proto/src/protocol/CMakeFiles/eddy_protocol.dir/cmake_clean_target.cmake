file(REMOVE_RECURSE
  "libeddy_protocol.a"
)
