# CMake generated Testfile for 
# Source directory: /tmp/proto-src/tests/unit/protocol
# Build directory: /work/main/bench/protocol/build-proto/tests/unit/protocol
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[protocol_round_trip_test]=] "/work/main/bench/protocol/build-proto/tests/protocol_round_trip_test" "--gtest_brief=1")
set_tests_properties([=[protocol_round_trip_test]=] PROPERTIES  LABELS "unit" TIMEOUT "300" _BACKTRACE_TRIPLES "/tmp/proto-src/cmake/EddyTest.cmake;23;add_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;1;eddy_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;0;")
add_test([=[protocol_primitives_test]=] "/work/main/bench/protocol/build-proto/tests/protocol_primitives_test" "--gtest_brief=1")
set_tests_properties([=[protocol_primitives_test]=] PROPERTIES  LABELS "unit" TIMEOUT "300" _BACKTRACE_TRIPLES "/tmp/proto-src/cmake/EddyTest.cmake;23;add_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;3;eddy_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;0;")
add_test([=[protocol_captures_test]=] "/work/main/bench/protocol/build-proto/tests/protocol_captures_test" "--gtest_brief=1")
set_tests_properties([=[protocol_captures_test]=] PROPERTIES  LABELS "unit" TIMEOUT "300" _BACKTRACE_TRIPLES "/tmp/proto-src/cmake/EddyTest.cmake;23;add_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;7;eddy_test;/tmp/proto-src/tests/unit/protocol/CMakeLists.txt;0;")
