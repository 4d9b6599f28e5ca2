# Empty dependencies file for eddy_records.
# This may be replaced when dependencies are built.
