# Empty compiler generated dependencies file for eddy_protocol_testing.
# This may be replaced when dependencies are built.
