#include "broker/controller_channel.h"

#include <algorithm>
#include <cstring>

#include "metadata/config_def.h"

namespace eddy::broker {

namespace {

constexpr char kPrincipalPrefix[] = "__eddy_broker/";

// `frame` with its request header's client id (a nullable int16-length string after api key,
// version and correlation id) replaced by `client_id`.
Result<Bytes> with_client_id(ByteSpan frame, const std::string& client_id) {
  if (frame.size() < 10) return invalid_argument("request frame too short for a client id");
  const int16_t len = static_cast<int16_t>(load_be16(frame.data() + 8));
  const size_t old_end = 10 + static_cast<size_t>(len < 0 ? 0 : len);
  if (old_end > frame.size()) return invalid_argument("request frame's client id overruns it");
  Bytes out(8 + 2 + client_id.size() + (frame.size() - old_end));
  std::memcpy(out.data(), frame.data(), 8);
  store_be16(out.data() + 8, static_cast<uint16_t>(client_id.size()));
  std::memcpy(out.data() + 10, client_id.data(), client_id.size());
  std::memcpy(out.data() + 10 + client_id.size(), frame.data() + old_end, frame.size() - old_end);
  return out;
}

}  // namespace

ControllerChannel::ControllerChannel(metadata::MetadataService* metadata, int32_t node_id,
                                     const Uuid& incarnation, int timeout_ms)
    : metadata_(metadata),
      principal_(std::string(kPrincipalPrefix) + std::to_string(node_id) + "/" +
                 incarnation.to_base64()),
      timeout_ms_(timeout_ms) {}

bool ControllerChannel::is_broker_principal(const std::optional<std::string>& client_id,
                                            const metadata::MetadataImage& image) {
  if (!client_id || client_id->rfind(kPrincipalPrefix, 0) != 0) return false;
  std::string rest = client_id->substr(sizeof(kPrincipalPrefix) - 1);
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return false;
  auto id = metadata::parse_config_long(rest.substr(0, slash));
  auto incarnation = Uuid::from_base64(rest.substr(slash + 1));
  if (!id || !incarnation) return false;
  auto it = image.brokers().find(static_cast<int32_t>(*id));
  return it != image.brokers().end() && it->second.incarnation == *incarnation;
}

Result<client::Connection*> ControllerChannel::connection(int open_timeout_ms) {
  const int32_t controller_id = metadata_->active_controller();
  if (controller_id < 0) return unavailable("no active controller is known");
  if (connection_ && connected_to_ == controller_id) return connection_.get();
  connection_.reset();
  auto image = metadata_->image();
  auto it = image->brokers().find(controller_id);
  if (it == image->brokers().end() || it->second.endpoints.empty()) {
    return unavailable("the active controller (node " + std::to_string(controller_id) +
                       ") has no registered endpoint");
  }
  const metadata::BrokerEndpoint& ep = it->second.endpoints.front();
  EDDY_ASSIGN_OR_RETURN(
      connection_,
      client::Connection::open({ep.host, ep.port},
                               open_timeout_ms > 0 ? open_timeout_ms : timeout_ms_, principal_));
  connected_to_ = controller_id;
  return connection_.get();
}

Result<Bytes> ControllerChannel::forward(ByteSpan frame, int16_t api_key, int16_t version,
                                         int within_ms) {
  const int timeout_ms = within_ms > 0 ? std::min(within_ms, timeout_ms_) : timeout_ms_;
  EDDY_ASSIGN_OR_RETURN(Bytes marked, with_client_id(frame, principal_));
  EDDY_ASSIGN_OR_RETURN(client::Connection * conn, connection(timeout_ms));
  conn->set_timeout_ms(timeout_ms);
  auto body = conn->call_raw(marked, api_key, version);
  if (!body) {
    connection_.reset();  // a broken or timed-out connection is not reused
  } else {
    conn->set_timeout_ms(timeout_ms_);
  }
  return body;
}

}  // namespace eddy::broker
