file(REMOVE_RECURSE
  "CMakeFiles/eddy_common.dir/crc32c.cc.o"
  "CMakeFiles/eddy_common.dir/crc32c.cc.o.d"
  "CMakeFiles/eddy_common.dir/status.cc.o"
  "CMakeFiles/eddy_common.dir/status.cc.o.d"
  "libeddy_common.a"
  "libeddy_common.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/eddy_common.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
