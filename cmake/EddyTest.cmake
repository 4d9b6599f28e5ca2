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

# eddy_fuzz(NAME SOURCES ... [DEPS ...] [SECONDS s]): a libFuzzer target, built only with
# -DEDDY_FUZZ=ON (clang). `scripts/test` builds the umbrella target eddy_fuzz_targets and runs each
# fuzzer for SECONDS (default 8) under the `fuzz` ctest label, starting from the seed corpus in
# <source dir>/corpus/<NAME> when it exists. Longer runs: build-fuzz/fuzz/<NAME> -max_total_time=3600.
if(EDDY_FUZZ AND NOT TARGET eddy_fuzz_targets)
  add_custom_target(eddy_fuzz_targets)
endif()
function(eddy_fuzz name)
  if(NOT EDDY_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "SECONDS" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_SECONDS)
    set(ARG_SECONDS 8)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${EDDY_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} -fsanitize=fuzzer)
  add_dependencies(eddy_fuzz_targets ${name})
  set(corpus_src ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
  set(corpus_work ${CMAKE_BINARY_DIR}/fuzz/corpus-${name})
  add_test(NAME ${name}
    COMMAND sh -c "mkdir -p ${corpus_work} && if [ -d ${corpus_src} ]; then cp -r ${corpus_src}/. ${corpus_work}/; fi && exec $<TARGET_FILE:${name}> -max_total_time=${ARG_SECONDS} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 ${corpus_work}")
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
