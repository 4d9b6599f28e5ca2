
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/tmp/proto-src/src/protocol/records/batch_builder.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_builder.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_builder.cc.o.d"
  "/tmp/proto-src/src/protocol/records/batch_header.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_header.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_header.cc.o.d"
  "/tmp/proto-src/src/protocol/records/batch_reader.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_reader.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_reader.cc.o.d"
  "/tmp/proto-src/src/protocol/records/batch_validator.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_validator.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/batch_validator.cc.o.d"
  "/tmp/proto-src/src/protocol/records/compression.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/compression.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/compression.cc.o.d"
  "/tmp/proto-src/src/protocol/records/record.cc" "src/protocol/records/CMakeFiles/eddy_records.dir/record.cc.o" "gcc" "src/protocol/records/CMakeFiles/eddy_records.dir/record.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/bench/protocol/build-proto/src/common/CMakeFiles/eddy_common.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
