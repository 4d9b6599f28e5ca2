file(REMOVE_RECURSE
  "libeddy_common.a"
)
