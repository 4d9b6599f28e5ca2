# CMake generated Testfile for 
# Source directory: /tmp/proto-src/src/protocol
# Build directory: /work/main/bench/protocol/build-proto/src/protocol
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("records")
