# eddy_library(NAME DIR <dir> [DEPS ...]): a static library from every .cc in DIR (not recursive,
# *_test.cc excluded), compiled with our warnings.
function(eddy_library name)
  cmake_parse_arguments(ARG "" "DIR" "DEPS;EXTRA_SOURCES" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${ARG_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_test\\.cc$")
  add_library(${name} STATIC ${srcs} ${ARG_EXTRA_SOURCES})
  target_compile_options(${name} PRIVATE ${EDDY_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# eddy_test(NAME LABEL <label> SOURCES ... [DEPS ...] [TIMEOUT s]): a GoogleTest binary registered
# with ctest under one label (unit, sim, integration, fuzz, bench-smoke).
function(eddy_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${name} PRIVATE ${EDDY_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()
