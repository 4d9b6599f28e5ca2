# Empty dependencies file for eddy_common.
# This may be replaced when dependencies are built.
