#pragma once
// A checkpoint file holds one blob (the hard state, a snapshot) behind a magic number, a length
// and a CRC-32C (layout in log_format.h). It is replaced atomically, so after a crash it holds
// either the previous blob or the new one; a checksum failure is therefore real corruption.

#include <cstdint>
#include <filesystem>

#include "common/bytes.h"
#include "common/status.h"

namespace eddy::raft::checkpoint_file {

Status write(const std::filesystem::path& path, uint32_t magic, ByteSpan body);

// Reads the body into `body`. false when the file does not exist; kCorruption when it fails its
// checks.
Result<bool> read(const std::filesystem::path& path, uint32_t magic, uint64_t max_body_bytes,
                  Bytes* body);

}  // namespace eddy::raft::checkpoint_file
