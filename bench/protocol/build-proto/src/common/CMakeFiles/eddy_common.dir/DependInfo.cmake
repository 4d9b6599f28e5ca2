
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/tmp/proto-src/src/common/crc32c.cc" "src/common/CMakeFiles/eddy_common.dir/crc32c.cc.o" "gcc" "src/common/CMakeFiles/eddy_common.dir/crc32c.cc.o.d"
  "/tmp/proto-src/src/common/status.cc" "src/common/CMakeFiles/eddy_common.dir/status.cc.o" "gcc" "src/common/CMakeFiles/eddy_common.dir/status.cc.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
