# CMake generated Testfile for 
# Source directory: /tmp/proto-src/src/protocol/records
# Build directory: /work/main/bench/protocol/build-proto/src/protocol/records
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
