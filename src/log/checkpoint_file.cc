#include "log/checkpoint_file.h"

#include <charconv>
#include <string_view>

#include "log/file.h"
#include "log/log_format.h"

namespace eddy::log {

namespace {

bool parse_int(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the next '\n'-terminated line; false when there is none.
bool next_line(std::string_view* rest, std::string_view* line) {
  size_t nl = rest->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = rest->substr(0, nl);
  rest->remove_prefix(nl + 1);
  return true;
}

}  // namespace

Status write_checkpoint_file(const std::string& dir, const std::string& name,
                             const CheckpointEntries& entries, Durability durability,
                             FaultInjector* faults) {
  std::string text =
      std::to_string(kCheckpointVersion) + "\n" + std::to_string(entries.size()) + "\n";
  for (const auto& [key, value] : entries) text += key + " " + std::to_string(value) + "\n";
  return write_file_atomically(dir, name, as_bytes(text), durability, faults);
}

Result<CheckpointEntries> read_checkpoint_file(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  EDDY_ASSIGN_OR_RETURN(Bytes raw, read_whole_file(path, kMaxCheckpointBytes));
  std::string_view rest = as_string_view(raw);
  std::string_view line;
  int64_t version = 0, count = 0;
  if (!next_line(&rest, &line) || !parse_int(line, &version) || version != kCheckpointVersion) {
    return corruption(path + ": bad version line");
  }
  if (!next_line(&rest, &line) || !parse_int(line, &count) || count < 0 ||
      static_cast<uint64_t>(count) > raw.size()) {
    return corruption(path + ": bad entry count");
  }
  CheckpointEntries entries;
  for (int64_t i = 0; i < count; ++i) {
    int64_t value = 0;
    size_t sp = 0;
    if (!next_line(&rest, &line) || (sp = line.find(' ')) == std::string_view::npos || sp == 0 ||
        !parse_int(line.substr(sp + 1), &value)) {
      return corruption(path + ": bad entry " + std::to_string(i));
    }
    entries.emplace_back(std::string(line.substr(0, sp)), value);
  }
  if (!rest.empty()) return corruption(path + ": trailing bytes");
  return entries;
}

}  // namespace eddy::log
