file(REMOVE_RECURSE
  "CMakeFiles/eddy_protocol_testing.dir/generated/fill.cc.o"
  "CMakeFiles/eddy_protocol_testing.dir/generated/fill.cc.o.d"
  "libeddy_protocol_testing.a"
  "libeddy_protocol_testing.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/eddy_protocol_testing.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
