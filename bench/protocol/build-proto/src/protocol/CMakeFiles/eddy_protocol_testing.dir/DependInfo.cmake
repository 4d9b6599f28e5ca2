
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/bench/protocol/build-proto/src/protocol/generated/fill.cc" "src/protocol/CMakeFiles/eddy_protocol_testing.dir/generated/fill.cc.o" "gcc" "src/protocol/CMakeFiles/eddy_protocol_testing.dir/generated/fill.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/bench/protocol/build-proto/src/protocol/CMakeFiles/eddy_protocol.dir/DependInfo.cmake"
  "/work/main/bench/protocol/build-proto/src/common/CMakeFiles/eddy_common.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
