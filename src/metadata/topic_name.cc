#include "metadata/topic_name.h"

#include <string>
#include <vector>

namespace eddy::metadata {
namespace {

bool has_prefix(const MetadataImage::TopicMap& topics, std::string_view prefix) {
  auto it = topics.lower_bound(prefix);
  return it != topics.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
}

// Tries both '.' and '_' at each of `name`'s collision positions from `next` on, pruning a branch
// as soon as no topic starts with the candidate built so far.
std::optional<std::string> search(const MetadataImage::TopicMap& topics, std::string_view original,
                                  const std::vector<size_t>& positions, size_t next,
                                  std::string* candidate) {
  if (next == positions.size()) {
    if (*candidate != original && topics.find(*candidate) != topics.end()) return *candidate;
    return std::nullopt;
  }
  for (char c : {'.', '_'}) {
    (*candidate)[positions[next]] = c;
    if (!has_prefix(topics, std::string_view(*candidate).substr(0, positions[next] + 1))) continue;
    if (auto found = search(topics, original, positions, next + 1, candidate)) return found;
  }
  return std::nullopt;
}

}  // namespace

Status validate_topic_name(std::string_view name) {
  if (name.empty()) return invalid_argument("topic name is empty");
  if (name == "." || name == "..") {
    return invalid_argument("topic name cannot be '.' or '..'");
  }
  if (name.size() > kMaxTopicNameLength) {
    return invalid_argument("topic name is longer than 249 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return invalid_argument("topic name '" + std::string(name) +
                              "' has characters outside [a-zA-Z0-9._-]");
    }
  }
  return Status::ok();
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state" ||
         name == "__share_group_state";
}

bool is_reserved_topic_name(std::string_view name) {
  return is_internal_topic(name) || name == kClusterMetadataTopic;
}

std::optional<std::string> colliding_topic(const MetadataImage& image, std::string_view name) {
  std::vector<size_t> positions;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '.' || name[i] == '_') positions.push_back(i);
  }
  if (positions.empty()) return std::nullopt;
  std::string candidate(name);
  return search(image.topics(), name, positions, 0, &candidate);
}

}  // namespace eddy::metadata
