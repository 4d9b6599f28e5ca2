# Empty compiler generated dependencies file for eddy_protocol.
# This may be replaced when dependencies are built.
