# CMake generated Testfile for 
# Source directory: /tmp/proto-src/tests
# Build directory: /work/main/bench/protocol/build-proto/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("fuzz/protocol")
subdirs("unit/protocol")
