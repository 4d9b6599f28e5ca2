# CMake generated Testfile for 
# Source directory: /tmp/proto-src/tests/fuzz/protocol
# Build directory: /work/main/bench/protocol/build-proto/tests/fuzz/protocol
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
