# CMake generated Testfile for 
# Source directory: /tmp/proto-src
# Build directory: /work/main/bench/protocol/build-proto
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("src/common")
subdirs("src/protocol")
subdirs("tests")
subdirs("bench")
