# CMake generated Testfile for 
# Source directory: /tmp/proto-src/bench
# Build directory: /work/main/bench/protocol/build-proto/bench
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("protocol")
