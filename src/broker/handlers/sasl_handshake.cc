// SaslHandshake (key 17): Eddy has no SASL yet, so every mechanism is unsupported and the list
// of enabled mechanisms is empty. A client configured for SASL then fails with a clear error
// instead of hanging.
#include "protocol/generated/sasl_handshake.h"

#include "broker/handlers/all_handlers.h"
#include "broker/handlers/handler_util.h"

namespace eddy::broker {

void register_sasl_handshake(HandlerRegistry& registry, const BrokerContext&) {
  add_immediate_handler<protocol::SaslHandshakeRequest>(
      registry, api_spec(protocol::ApiKey::kSaslHandshake),
      [](const protocol::SaslHandshakeRequest&, int16_t) {
        protocol::SaslHandshakeResponse resp;
        resp.error_code = error_code(protocol::ErrorCode::kUnsupportedSaslMechanism);
        return resp;
      });
}

}  // namespace eddy::broker
