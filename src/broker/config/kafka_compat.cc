#include "broker/config/kafka_compat.h"

#include <cctype>

namespace eddy::broker {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Logical lines of a .properties text: comments and blank lines dropped, continuations joined
// (a line ending in an odd number of backslashes goes on, its successor's leading blanks cut).
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  bool continuing = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (end < text.size() && text[end] == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    line.remove_prefix(first);
    if (!continuing && (line.empty() || line[0] == '#' || line[0] == '!')) {
      if (end >= text.size()) break;
      continue;
    }
    size_t slashes = 0;
    while (slashes < line.size() && line[line.size() - 1 - slashes] == '\\') ++slashes;
    continuing = slashes % 2 == 1;
    current.append(line.substr(0, continuing ? line.size() - 1 : line.size()));
    if (!continuing) {
      out.push_back(std::move(current));
      current.clear();
    }
    if (end >= text.size()) break;
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// Undoes the escapes of a key or value.
Result<std::string> unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        if (i + 4 >= s.size()) {
          return invalid_argument("properties: malformed \\uXXXX escape");
        }
        unsigned cp = 0;
        for (int k = 1; k <= 4; ++k) {
          char h = s[i + k];
          if (!std::isxdigit(static_cast<unsigned char>(h))) {
            return invalid_argument("properties: malformed \\uXXXX escape");
          }
          cp = cp * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                                   ? h - '0'
                                                   : std::tolower(h) - 'a' + 10);
        }
        i += 4;
        // UTF-8 of a code unit of the Basic Multilingual Plane.
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const std::string& line : logical_lines(text)) {
    // The key ends at the first unescaped '=', ':' or blank; blanks and one '=' or ':' separate.
    size_t k = 0;
    while (k < line.size() && line[k] != '=' && line[k] != ':' && !is_blank(line[k])) {
      k += line[k] == '\\' ? 2 : 1;
    }
    k = std::min(k, line.size());
    size_t v = k;
    while (v < line.size() && is_blank(line[v])) ++v;
    if (v < line.size() && (line[v] == '=' || line[v] == ':')) ++v;
    while (v < line.size() && is_blank(line[v])) ++v;
    EDDY_ASSIGN_OR_RETURN(std::string key, unescape(std::string_view(line).substr(0, k)));
    EDDY_ASSIGN_OR_RETURN(std::string value, unescape(std::string_view(line).substr(v)));
    // Trailing blanks of a value are kept by Java; a config value never wants them.
    while (!value.empty() && is_blank(value.back())) value.pop_back();
    out[std::move(key)] = std::move(value);
  }
  return out;
}

bool looks_like_properties(std::string_view text) {
  for (const std::string& line : logical_lines(text)) {
    if (line == "---") return false;
    size_t eq = line.find('=');
    size_t colon = line.find(':');
    return eq != std::string::npos && (colon == std::string::npos || eq < colon);
  }
  return false;
}

const std::vector<TimeUnitVariant>& time_unit_variants() {
  static const std::vector<TimeUnitVariant> kVariants = {
      {"log.retention.hours", "log.retention.ms", 3'600'000, 0},
      {"log.retention.minutes", "log.retention.ms", 60'000, 1},
      {"log.roll.hours", "log.roll.ms", 3'600'000, 0},
      {"log.roll.jitter.hours", "log.roll.jitter.ms", 3'600'000, 0},
  };
  return kVariants;
}

const TimeUnitVariant* find_time_unit_variant(std::string_view name) {
  for (const auto& v : time_unit_variants()) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const std::map<std::string_view, std::string_view>& ignored_kafka_keys() {
  static constexpr std::string_view kThreads = "Eddy sizes its threads with num.io.threads";
  static constexpr std::string_view kSockets = "Eddy keeps the kernel's socket buffer sizes";
  static constexpr std::string_view kZk = "Eddy has no ZooKeeper; its metadata is a Raft log";
  static constexpr std::string_view kKraft =
      "Eddy's quorum has its own fixed listener and timeouts (controller.quorum.voters)";
  static constexpr std::string_view kSecurity = "Eddy serves PLAINTEXT listeners only";
  static constexpr std::string_view kTxn = "Eddy has no transaction coordinator";
  static constexpr std::string_view kInternal = "no Eddy equivalent";
  static constexpr std::string_view kMetrics = "Eddy has no JMX metric reporters";
  static constexpr std::string_view kQuota = "Eddy has no client quotas of this kind";
  static const std::map<std::string_view, std::string_view> kKeys = {
      {"num.network.threads", kThreads},
      {"num.recovery.threads.per.data.dir", kThreads},
      {"num.replica.alter.log.dirs.threads", kThreads},
      {"background.threads", kThreads},
      {"queued.max.requests", kThreads},
      {"queued.max.request.bytes", kThreads},
      {"socket.send.buffer.bytes", kSockets},
      {"socket.receive.buffer.bytes", kSockets},
      {"socket.listen.backlog.size", kSockets},
      {"replica.socket.receive.buffer.bytes", kSockets},
      {"zookeeper.connect", kZk},
      {"zookeeper.connection.timeout.ms", kZk},
      {"zookeeper.session.timeout.ms", kZk},
      {"zookeeper.set.acl", kZk},
      {"zookeeper.metadata.migration.enable", kZk},
      {"broker.id.generation.enable", kZk},
      {"reserved.broker.max.id", kZk},
      {"controller.listener.names", kKraft},
      {"inter.broker.listener.name", kKraft},
      {"control.plane.listener.name", kKraft},
      {"controller.quorum.election.timeout.ms", kKraft},
      {"controller.quorum.election.backoff.max.ms", kKraft},
      {"controller.quorum.fetch.timeout.ms", kKraft},
      {"controller.quorum.request.timeout.ms", kKraft},
      {"controller.quorum.retry.backoff.ms", kKraft},
      {"controller.quorum.append.linger.ms", kKraft},
      {"inter.broker.protocol.version", kKraft},
      {"log.message.format.version", kInternal},
      {"listener.security.protocol.map", kSecurity},
      {"security.inter.broker.protocol", kSecurity},
      {"sasl.enabled.mechanisms", kSecurity},
      {"sasl.mechanism.inter.broker.protocol", kSecurity},
      {"authorizer.class.name", kSecurity},
      {"allow.everyone.if.no.acl.found", kSecurity},
      {"super.users", kSecurity},
      {"ssl.client.auth", kSecurity},
      {"ssl.endpoint.identification.algorithm", kSecurity},
      {"transaction.state.log.replication.factor", kTxn},
      {"transaction.state.log.min.isr", kTxn},
      {"transaction.state.log.num.partitions", kTxn},
      {"transaction.state.log.segment.bytes", kTxn},
      {"transaction.max.timeout.ms", kTxn},
      {"transactional.id.expiration.ms", kTxn},
      {"offsets.topic.segment.bytes", kInternal},
      {"offsets.topic.compression.codec", kInternal},
      {"offsets.load.buffer.size", kInternal},
      {"offsets.commit.required.acks", kInternal},
      {"log.flush.scheduler.interval.ms", kInternal},
      {"log.flush.offset.checkpoint.interval.ms", kInternal},
      {"log.flush.start.offset.checkpoint.interval.ms", kInternal},
      {"log.message.downconversion.enable", kInternal},
      {"producer.purgatory.purge.interval.requests", kInternal},
      {"fetch.purgatory.purge.interval.requests", kInternal},
      {"delete.records.purgatory.purge.interval.requests", kInternal},
      {"controlled.shutdown.max.retries", kInternal},
      {"controlled.shutdown.retry.backoff.ms", kInternal},
      {"metric.reporters", kMetrics},
      {"metrics.num.samples", kMetrics},
      {"metrics.sample.window.ms", kMetrics},
      {"metrics.recording.level", kMetrics},
      {"kafka.metrics.reporters", kMetrics},
      {"kafka.metrics.polling.interval.secs", kMetrics},
      {"quota.window.num", kQuota},
      {"quota.window.size.seconds", kQuota},
      {"max.connections", kQuota},
      {"max.connections.per.ip", kQuota},
      {"max.connections.per.ip.overrides", kQuota},
      {"max.connection.creation.rate", kQuota},
  };
  return kKeys;
}

}  // namespace eddy::broker
