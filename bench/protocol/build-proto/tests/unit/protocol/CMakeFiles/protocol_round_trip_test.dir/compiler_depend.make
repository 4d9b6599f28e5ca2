# Empty compiler generated dependencies file for protocol_round_trip_test.
# This may be replaced when dependencies are built.
