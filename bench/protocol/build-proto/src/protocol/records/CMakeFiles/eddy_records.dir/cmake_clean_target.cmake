file(REMOVE_RECURSE
  "libeddy_records.a"
)
