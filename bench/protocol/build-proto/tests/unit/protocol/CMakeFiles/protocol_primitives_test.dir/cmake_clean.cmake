file(REMOVE_RECURSE
  "../../protocol_primitives_test"
  "../../protocol_primitives_test.pdb"
  "CMakeFiles/protocol_primitives_test.dir/api_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/api_test.cc.o.d"
  "CMakeFiles/protocol_primitives_test.dir/errors_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/errors_test.cc.o.d"
  "CMakeFiles/protocol_primitives_test.dir/frame_decoder_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/frame_decoder_test.cc.o.d"
  "CMakeFiles/protocol_primitives_test.dir/headers_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/headers_test.cc.o.d"
  "CMakeFiles/protocol_primitives_test.dir/reader_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/reader_test.cc.o.d"
  "CMakeFiles/protocol_primitives_test.dir/writer_test.cc.o"
  "CMakeFiles/protocol_primitives_test.dir/writer_test.cc.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/protocol_primitives_test.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
