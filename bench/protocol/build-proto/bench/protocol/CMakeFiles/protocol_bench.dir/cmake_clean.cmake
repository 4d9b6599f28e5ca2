file(REMOVE_RECURSE
  "../protocol_bench"
  "../protocol_bench.pdb"
  "CMakeFiles/protocol_bench.dir/protocol_bench.cc.o"
  "CMakeFiles/protocol_bench.dir/protocol_bench.cc.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/protocol_bench.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
