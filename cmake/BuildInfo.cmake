# Writes src/common/build_info.h (in the build tree) from build_info.h.in. Run by the
# eddy_build_info target on every build (cmake -P), so the git commit follows new commits without
# a re-configure; configure_file rewrites the header only when its text changes, so nothing
# recompiles unless the commit, version or build type did.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DEDDY_VERSION=... -DEDDY_BUILD_TYPE=... -P BuildInfo.cmake
set(EDDY_GIT_COMMIT "unknown")
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE commit RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND commit)
    set(EDDY_GIT_COMMIT "${commit}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" status --porcelain --untracked-files=no
      WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE dirty ERROR_QUIET)
    if(dirty)
      string(APPEND EDDY_GIT_COMMIT "-dirty")
    endif()
  endif()
endif()
configure_file("${SOURCE_DIR}/src/common/build_info.h.in" "${OUTPUT}" @ONLY)
