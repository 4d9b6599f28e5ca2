#include "raft/storage/checkpoint_file.h"

#include <system_error>

#include "common/crc32c.h"
#include "raft/storage/file_util.h"
#include "raft/storage/log_format.h"

namespace eddy::raft::checkpoint_file {

using log_format::kCheckpointHeaderBytes;

Status write(const std::filesystem::path& path, uint32_t magic, ByteSpan body) {
  if (body.size() > UINT32_MAX) return too_large("checkpoint " + path.string());
  Bytes buf;
  buf.reserve(kCheckpointHeaderBytes + body.size());
  append_be32(buf, magic);
  append_be32(buf, static_cast<uint32_t>(body.size()));
  append_be32(buf, crc32c::value(body));
  buf.insert(buf.end(), body.begin(), body.end());
  return file_util::write_file_atomic(path, buf);
}

Result<bool> read(const std::filesystem::path& path, uint32_t magic, uint64_t max_body_bytes,
                  Bytes* body) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  EDDY_ASSIGN_OR_RETURN(Bytes data,
                        file_util::read_file(path, max_body_bytes + kCheckpointHeaderBytes));
  if (data.size() < kCheckpointHeaderBytes) {
    return corruption(path.string() + ": " + std::to_string(data.size()) + " bytes, too short");
  }
  if (load_be32(data.data()) != magic) return corruption(path.string() + ": bad magic number");
  const uint32_t length = load_be32(data.data() + 4);
  if (length != data.size() - kCheckpointHeaderBytes) {
    return corruption(path.string() + ": length field disagrees with the file size");
  }
  if (load_be32(data.data() + 8) != crc32c::value(data.data() + kCheckpointHeaderBytes, length)) {
    return corruption(path.string() + ": checksum mismatch");
  }
  body->assign(data.begin() + kCheckpointHeaderBytes, data.end());
  return true;
}

}  // namespace eddy::raft::checkpoint_file
