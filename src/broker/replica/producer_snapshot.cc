#include "broker/replica/producer_snapshot.h"

#include <dirent.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "common/crc32c.h"
#include "log/file.h"
#include "log/log_format.h"

namespace eddy::broker {

namespace {

constexpr int16_t kVersion = 1;
constexpr size_t kHeaderBytes = 2 + 4;
// 10,000 producers of 5 batches take about 1.7 MB.
constexpr uint64_t kMaxSnapshotBytes = 8ULL << 20;

std::optional<int64_t> parse_name(const std::string& name) {
  const std::string_view suffix = log::kProducerSnapshotSuffix;
  if (name.size() != log::kFileNameDigits + suffix.size() || !name.ends_with(suffix)) {
    return std::nullopt;
  }
  int64_t offset = 0;
  const char* end = name.data() + log::kFileNameDigits;
  auto [ptr, ec] = std::from_chars(name.data(), end, offset);
  if (ec != std::errc() || ptr != end || offset < 0) return std::nullopt;
  return offset;
}

}  // namespace

std::string producer_snapshot_name(Offset offset) {
  return fmt::format("{:0{}d}{}", offset.value(), log::kFileNameDigits,
                     log::kProducerSnapshotSuffix);
}

Result<std::vector<Offset>> list_producer_snapshots(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return io_error(fmt::format("open directory {}: errno {}", dir, errno));
  std::vector<Offset> out;
  // Bounded by the directory's entries.
  while (dirent* e = ::readdir(d)) {
    if (auto offset = parse_name(e->d_name)) out.emplace_back(*offset);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status write_producer_snapshot(const std::string& dir, Offset offset,
                               const ProducerStateTable& table) {
  const Bytes body = table.serialize();
  Bytes file(kHeaderBytes + body.size());
  store_be16(file.data(), static_cast<uint16_t>(kVersion));
  store_be32(file.data() + 2, crc32c::value(body.data(), body.size()));
  std::copy(body.begin(), body.end(), file.begin() + kHeaderBytes);
  EDDY_RETURN_IF_ERROR(log::write_file_atomically(
      dir, producer_snapshot_name(offset), ByteSpan(file), log::Durability::kContentAndName));
  EDDY_ASSIGN_OR_RETURN(std::vector<Offset> all, list_producer_snapshots(dir));
  for (size_t i = 0; i + kProducerSnapshotsKept < all.size(); ++i) {
    EDDY_RETURN_IF_ERROR(log::remove_file(dir + "/" + producer_snapshot_name(all[i])));
  }
  return Status::ok();
}

Status read_producer_snapshot(const std::string& dir, Offset offset, ProducerStateTable* table) {
  EDDY_ASSIGN_OR_RETURN(Bytes file, log::read_whole_file(dir + "/" + producer_snapshot_name(offset),
                                                         kMaxSnapshotBytes));
  if (file.size() < kHeaderBytes) return corruption("producer-state snapshot: no header");
  if (load_be_i16(file.data()) != kVersion) {
    return corruption("producer-state snapshot: unknown version");
  }
  const ByteSpan body(file.data() + kHeaderBytes, file.size() - kHeaderBytes);
  if (crc32c::value(body.data(), body.size()) != load_be32(file.data() + 2)) {
    return corruption("producer-state snapshot: CRC mismatch");
  }
  return ProducerStateTable::parse(body, table);
}

Result<std::optional<Offset>> load_producer_snapshot(const std::string& dir, Offset log_end,
                                                     ProducerStateTable* table) {
  EDDY_RETURN_IF_ERROR(delete_producer_snapshots_after(dir, log_end));
  EDDY_ASSIGN_OR_RETURN(std::vector<Offset> snapshots, list_producer_snapshots(dir));
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    Status read = read_producer_snapshot(dir, *it, table);
    if (read) return std::optional<Offset>(*it);
    // The state is rebuilt from an older snapshot and a longer replay instead; the file goes, so
    // that the next snapshot at this offset is written anew rather than taken as already there.
    spdlog::warn("{}: deleting unreadable producer-state snapshot {}: {}", dir,
                 producer_snapshot_name(*it), read.to_string());
    EDDY_RETURN_IF_ERROR(log::remove_file(dir + "/" + producer_snapshot_name(*it)));
  }
  return std::optional<Offset>();
}

Status delete_producer_snapshots_after(const std::string& dir, Offset offset) {
  EDDY_ASSIGN_OR_RETURN(std::vector<Offset> all, list_producer_snapshots(dir));
  for (Offset o : all) {
    if (o > offset) EDDY_RETURN_IF_ERROR(log::remove_file(dir + "/" + producer_snapshot_name(o)));
  }
  return Status::ok();
}

}  // namespace eddy::broker
