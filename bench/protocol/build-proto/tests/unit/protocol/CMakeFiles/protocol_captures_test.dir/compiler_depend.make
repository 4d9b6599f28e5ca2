# Empty compiler generated dependencies file for protocol_captures_test.
# This may be replaced when dependencies are built.
