# Empty compiler generated dependencies file for protocol_primitives_test.
# This may be replaced when dependencies are built.
