file(REMOVE_RECURSE
  "../../protocol_round_trip_test"
  "../../protocol_round_trip_test.pdb"
  "CMakeFiles/protocol_round_trip_test.dir/round_trip_test.cc.o"
  "CMakeFiles/protocol_round_trip_test.dir/round_trip_test.cc.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/protocol_round_trip_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
