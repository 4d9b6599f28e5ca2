# CMake generated Testfile for 
# Source directory: /tmp/proto-src/bench/protocol
# Build directory: /work/main/bench/protocol/build-proto/bench/protocol
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[protocol_bench_smoke]=] "/work/main/bench/protocol/build-proto/bench/protocol_bench" "--benchmark_min_time=0.001")
set_tests_properties([=[protocol_bench_smoke]=] PROPERTIES  LABELS "bench-smoke" TIMEOUT "120" _BACKTRACE_TRIPLES "/tmp/proto-src/bench/protocol/CMakeLists.txt;8;add_test;/tmp/proto-src/bench/protocol/CMakeLists.txt;0;")
