file(REMOVE_RECURSE
  "CMakeFiles/eddy_records.dir/batch_builder.cc.o"
  "CMakeFiles/eddy_records.dir/batch_builder.cc.o.d"
  "CMakeFiles/eddy_records.dir/batch_header.cc.o"
  "CMakeFiles/eddy_records.dir/batch_header.cc.o.d"
  "CMakeFiles/eddy_records.dir/batch_reader.cc.o"
  "CMakeFiles/eddy_records.dir/batch_reader.cc.o.d"
  "CMakeFiles/eddy_records.dir/batch_validator.cc.o"
  "CMakeFiles/eddy_records.dir/batch_validator.cc.o.d"
  "CMakeFiles/eddy_records.dir/compression.cc.o"
  "CMakeFiles/eddy_records.dir/compression.cc.o.d"
  "CMakeFiles/eddy_records.dir/record.cc.o"
  "CMakeFiles/eddy_records.dir/record.cc.o.d"
  "libeddy_records.a"
  "libeddy_records.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/eddy_records.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
