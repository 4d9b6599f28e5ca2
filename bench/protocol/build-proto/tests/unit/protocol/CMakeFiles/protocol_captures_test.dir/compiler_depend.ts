# CMAKE generated file: DO NOT EDIT!
# Timestamp file for compiler generated dependencies management for protocol_captures_test.
