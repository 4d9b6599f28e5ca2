
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/tmp/proto-src/tests/unit/protocol/round_trip_test.cc" "tests/unit/protocol/CMakeFiles/protocol_round_trip_test.dir/round_trip_test.cc.o" "gcc" "tests/unit/protocol/CMakeFiles/protocol_round_trip_test.dir/round_trip_test.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/bench/protocol/build-proto/src/protocol/CMakeFiles/eddy_protocol.dir/DependInfo.cmake"
  "/work/main/bench/protocol/build-proto/src/protocol/CMakeFiles/eddy_protocol_testing.dir/DependInfo.cmake"
  "/work/main/bench/protocol/build-proto/src/common/CMakeFiles/eddy_common.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
