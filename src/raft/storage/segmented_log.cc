#include "raft/storage/segmented_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "common/crc32c.h"
#include "raft/storage/file_util.h"

namespace eddy::raft {

namespace fs = std::filesystem;
using namespace log_format;

namespace {

// Segment files larger than this are refused at recovery rather than read into memory.
constexpr uint64_t kMaxSegmentFileBytes = 4ull << 30;

bool all_zero(ByteSpan data) {
  return std::all_of(data.begin(), data.end(), [](uint8_t b) { return b == 0; });
}

// Parses "<20 digits>.log"; false for any other name.
bool parse_segment_name(const std::string& name, uint64_t* base) {
  const size_t suffix_len = sizeof(kSegmentSuffix) - 1;
  if (name.size() != kSegmentNameDigits + suffix_len) return false;
  if (name.compare(kSegmentNameDigits, suffix_len, kSegmentSuffix) != 0) return false;
  const char* begin = name.data();
  const char* end = begin + kSegmentNameDigits;
  auto [ptr, ec] = std::from_chars(begin, end, *base);
  return ec == std::errc() && ptr == end;
}

void encode_record(const LogRecord& r, Bytes& out) {
  size_t at = out.size();
  out.resize(at + kRecordHeaderBytes);
  uint8_t* h = out.data() + at;
  store_be32(h + kBodyLengthOffset, static_cast<uint32_t>(r.body.size()));
  store_be64(h + kIndexOffset, r.index);
  store_be64(h + kTermOffset, r.term);
  store_be32(h + kBodyCrcOffset, crc32c::value(r.body));
  store_be32(h + kHeaderCrcOffset, crc32c::value(h + 4, kRecordHeaderBytes - 4));
  out.insert(out.end(), r.body.begin(), r.body.end());
}

}  // namespace

SegmentedLog::SegmentedLog(fs::path dir, Options options)
    : dir_(std::move(dir)), options_(options) {}

SegmentedLog::~SegmentedLog() {
  if (active_fd_ >= 0) ::close(active_fd_);
}

Result<std::unique_ptr<SegmentedLog>> SegmentedLog::open(const fs::path& dir, Options options,
                                                         std::vector<LogRecord>* records,
                                                         RecoveryReport* report) {
  if (options.segment_bytes == 0) return invalid_argument("segment_bytes must be positive");
  EDDY_RETURN_IF_ERROR(file_util::ensure_dir(dir));
  std::unique_ptr<SegmentedLog> log(new SegmentedLog(dir, options));
  *report = RecoveryReport{};
  EDDY_RETURN_IF_ERROR(log->recover(records, report));
  return log;
}

fs::path SegmentedLog::segment_path(uint64_t base) const {
  char name[kSegmentNameDigits + sizeof(kSegmentSuffix)];
  std::snprintf(name, sizeof(name), "%020llu%s", static_cast<unsigned long long>(base),
                kSegmentSuffix);
  return dir_ / name;
}

Status SegmentedLog::recover(std::vector<LogRecord>* records, RecoveryReport* report) {
  std::vector<uint64_t> bases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    uint64_t base = 0;
    if (entry.is_regular_file() && parse_segment_name(entry.path().filename().string(), &base)) {
      bases.push_back(base);
    }
  }
  if (ec) return errno_status(ec.value(), "list " + dir_.string());
  std::sort(bases.begin(), bases.end());

  bool stop = false;
  for (size_t i = 0; i < bases.size(); ++i) {
    fs::path path = segment_path(bases[i]);
    if (stop) {
      // Everything after a corruption point is unreachable: the index sequence is broken there.
      if (::unlink(path.c_str()) != 0) return errno_status(errno, "unlink " + path.string());
      dir_dirty_ = true;
      continue;
    }
    Segment seg;
    seg.base = bases[i];
    seg.path = path;
    // Only the newest segment may be empty (rolled, then the writer died), so every later one
    // must start right after its predecessor's last record.
    if (!segments_.empty() &&
        (segments_.back().positions.empty() || seg.base != segments_.back().last_index() + 1)) {
      report->corruption = corruption("segment " + path.string() + " does not follow index " +
                                      std::to_string(segments_.back().last_index()));
      stop = true;
      --i;  // remove this one too
      continue;
    }
    EDDY_ASSIGN_OR_RETURN(Bytes data, file_util::read_file(path, kMaxSegmentFileBytes));
    const bool newest = i + 1 == bases.size();
    uint64_t valid = scan_segment(seg, data, newest, seg.base, records, report);
    ++report->segments;
    if (valid < data.size()) {
      if (::truncate(path.c_str(), static_cast<off_t>(valid)) != 0) {
        return errno_status(errno, "truncate " + path.string());
      }
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return errno_status(errno, "open " + path.string());
      Status synced = file_util::sync_fd(fd, path);
      ::close(fd);
      EDDY_RETURN_IF_ERROR(synced);
      if (!report->corruption.is_ok()) stop = true;
    }
    seg.size = valid;
    segments_.push_back(std::move(seg));
  }
  if (dir_dirty_) {
    EDDY_RETURN_IF_ERROR(file_util::sync_dir(dir_));
    dir_dirty_ = false;
  }
  if (!segments_.empty()) EDDY_RETURN_IF_ERROR(open_active_for_append());
  return Status::ok();
}

uint64_t SegmentedLog::scan_segment(Segment& seg, ByteSpan data, bool newest,
                                    uint64_t expected_index, std::vector<LogRecord>* records,
                                    RecoveryReport* report) {
  uint64_t pos = 0;
  auto torn_or_corrupt = [&](bool looks_torn, const std::string& what) {
    ByteSpan rest = data.subspan(pos);
    if (newest && (looks_torn || all_zero(rest))) {
      report->torn_bytes += rest.size();
    } else {
      report->corruption =
          corruption(what + " in " + seg.path.string() + " at position " + std::to_string(pos));
    }
    return pos;
  };
  while (pos < data.size()) {
    const uint64_t remaining = data.size() - pos;
    if (remaining < kRecordHeaderBytes) return torn_or_corrupt(true, "short record header");
    const uint8_t* h = data.data() + pos;
    if (load_be32(h + kHeaderCrcOffset) != crc32c::value(h + 4, kRecordHeaderBytes - 4)) {
      return torn_or_corrupt(false, "record header checksum mismatch");
    }
    const uint32_t body_len = load_be32(h + kBodyLengthOffset);
    const uint64_t index = load_be64(h + kIndexOffset);
    if (body_len > options_.max_body_bytes) {
      return torn_or_corrupt(false, "record body of " + std::to_string(body_len) + " bytes");
    }
    if (index != expected_index) {
      return torn_or_corrupt(false, "record index " + std::to_string(index) + ", expected " +
                                        std::to_string(expected_index));
    }
    if (body_len > remaining - kRecordHeaderBytes) return torn_or_corrupt(true, "short record");
    ByteSpan body = data.subspan(pos + kRecordHeaderBytes, body_len);
    if (load_be32(h + kBodyCrcOffset) != crc32c::value(body)) {
      return torn_or_corrupt(false, "record body checksum mismatch");
    }
    records->push_back(
        LogRecord{index, load_be64(h + kTermOffset), Bytes(body.begin(), body.end())});
    seg.positions.push_back(pos);
    ++report->records;
    ++expected_index;
    pos += kRecordHeaderBytes + body_len;
  }
  return pos;
}

Status SegmentedLog::open_active_for_append() {
  const Segment& seg = segments_.back();
  int fd = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, "open " + seg.path.string());
  if (::lseek(fd, static_cast<off_t>(seg.size), SEEK_SET) < 0) {
    int err = errno;
    ::close(fd);
    return errno_status(err, "seek " + seg.path.string());
  }
  active_fd_ = fd;
  return Status::ok();
}

Status SegmentedLog::close_active() {
  if (active_fd_ < 0) return Status::ok();
  Status s;
  if (active_dirty_) s = file_util::sync_fd(active_fd_, segments_.back().path);
  ::close(active_fd_);
  active_fd_ = -1;
  active_dirty_ = false;
  return s;
}

Status SegmentedLog::roll(uint64_t base) {
  // The finished segment is synced now so sync() only ever has one file to flush.
  EDDY_RETURN_IF_ERROR(close_active());
  Segment seg;
  seg.base = base;
  seg.path = segment_path(base);
  segments_.push_back(std::move(seg));
  int fd = ::open(segments_.back().path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    segments_.pop_back();
    return errno_status(err, "create " + segment_path(base).string());
  }
  active_fd_ = fd;
  dir_dirty_ = true;
  return Status::ok();
}

bool SegmentedLog::empty() const {
  return segments_.empty() || (segments_.size() == 1 && segments_[0].positions.empty());
}

uint64_t SegmentedLog::first_index() const {
  for (const Segment& s : segments_) {
    if (!s.positions.empty()) return s.base;
  }
  return 0;
}

uint64_t SegmentedLog::last_index() const {
  return segments_.empty() ? 0 : segments_.back().base + segments_.back().positions.size() - 1;
}

Status SegmentedLog::append(std::span<const LogRecord> records) {
  if (records.empty()) return Status::ok();
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].body.size() > options_.max_body_bytes) {
      return too_large("raft entry " + std::to_string(records[i].index) + " of " +
                       std::to_string(records[i].body.size()) + " bytes");
    }
    if (i > 0 && records[i].index != records[i - 1].index + 1) {
      return invalid_argument("raft entries to append are not consecutive");
    }
  }
  if (empty()) {
    if (segments_.empty() || segments_.back().base != records[0].index) {
      EDDY_RETURN_IF_ERROR(remove_all());
      EDDY_RETURN_IF_ERROR(roll(records[0].index));
    }
  } else if (records[0].index != last_index() + 1) {
    return invalid_argument("append at index " + std::to_string(records[0].index) +
                            " after last index " + std::to_string(last_index()));
  }
  Bytes buf;
  size_t i = 0;
  while (i < records.size()) {
    Segment* seg = &segments_.back();
    if (seg->size >= options_.segment_bytes && !seg->positions.empty()) {
      EDDY_RETURN_IF_ERROR(roll(records[i].index));
      seg = &segments_.back();
    }
    // One write per segment touched: the whole batch goes out together.
    buf.clear();
    uint64_t size = seg->size;
    std::vector<uint64_t> positions;
    while (i < records.size() && (size < options_.segment_bytes || positions.empty())) {
      positions.push_back(size);
      size_t before = buf.size();
      encode_record(records[i], buf);
      size += buf.size() - before;
      ++i;
    }
    EDDY_RETURN_IF_ERROR(file_util::write_all(active_fd_, buf, seg->path));
    seg->positions.insert(seg->positions.end(), positions.begin(), positions.end());
    seg->size = size;
    active_dirty_ = true;
  }
  return Status::ok();
}

Status SegmentedLog::sync() {
  if (active_dirty_ && active_fd_ >= 0) {
    EDDY_RETURN_IF_ERROR(file_util::sync_fd(active_fd_, segments_.back().path));
    active_dirty_ = false;
  }
  if (dir_dirty_) {
    EDDY_RETURN_IF_ERROR(file_util::sync_dir(dir_));
    dir_dirty_ = false;
  }
  return Status::ok();
}

Status SegmentedLog::truncate_suffix(uint64_t index) {
  if (empty() || index > last_index()) return Status::ok();
  EDDY_RETURN_IF_ERROR(close_active());
  while (!segments_.empty() && segments_.back().base >= index && segments_.size() > 1) {
    if (::unlink(segments_.back().path.c_str()) != 0) {
      return errno_status(errno, "unlink " + segments_.back().path.string());
    }
    segments_.pop_back();
    dir_dirty_ = true;
  }
  Segment& seg = segments_.back();
  uint64_t keep = index <= seg.base ? 0 : index - seg.base;
  if (keep < seg.positions.size()) {
    uint64_t cut = seg.positions[keep];
    if (::truncate(seg.path.c_str(), static_cast<off_t>(cut)) != 0) {
      return errno_status(errno, "truncate " + seg.path.string());
    }
    seg.positions.resize(keep);
    seg.size = cut;
    active_dirty_ = true;
  }
  EDDY_RETURN_IF_ERROR(open_active_for_append());
  return sync();
}

Status SegmentedLog::remove_segments_before(uint64_t index) {
  while (segments_.size() > 1 && segments_[1].base <= index) {
    if (::unlink(segments_.front().path.c_str()) != 0) {
      return errno_status(errno, "unlink " + segments_.front().path.string());
    }
    segments_.erase(segments_.begin());
    dir_dirty_ = true;
  }
  return sync();
}

Status SegmentedLog::remove_all() {
  if (active_fd_ >= 0) {
    ::close(active_fd_);
    active_fd_ = -1;
    active_dirty_ = false;
  }
  for (const Segment& seg : segments_) {
    if (::unlink(seg.path.c_str()) != 0 && errno != ENOENT) {
      return errno_status(errno, "unlink " + seg.path.string());
    }
    dir_dirty_ = true;
  }
  segments_.clear();
  return sync();
}

}  // namespace eddy::raft
