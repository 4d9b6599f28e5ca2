# Empty dependencies file for protocol_bench.
# This may be replaced when dependencies are built.
