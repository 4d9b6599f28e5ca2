file(REMOVE_RECURSE
  "../../protocol_captures_test"
  "../../protocol_captures_test.pdb"
  "CMakeFiles/protocol_captures_test.dir/captures_test.cc.o"
  "CMakeFiles/protocol_captures_test.dir/captures_test.cc.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/protocol_captures_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
