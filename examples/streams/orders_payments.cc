// Orders-payments join: an order (key: order id, value: description) in --orders and its payment
// (same key, value: payment method) in --payments that arrive within 5 minutes of each other
// (event time) become one record "<order> paid by <payment>" in --output.
#include <string>

#include "eddy/streams/streams_builder.h"
#include "example_main.h"

using namespace eddy::streams;
using std::chrono::milliseconds;

int main(int argc, char** argv) {
  auto args = examples::parse(
      argc, argv, "[--bootstrap host:port] [--orders t] [--payments t] [--output t] [--describe]");
  StreamsBuilder b;
  auto orders = b.stream<std::string, std::string>(args.get("orders", "orders"));
  auto payments = b.stream<std::string, std::string>(args.get("payments", "payments"));
  orders
      .join(
          payments,
          [](const std::string& order, const std::string& payment) {
            return order + " paid by " + payment;
          },
          JoinWindows::ofTimeDifferenceAndGrace(milliseconds(300000), milliseconds(10000)))
      .to(args.get("output", "paid-orders"));
  return examples::run(b.build(), args, "streams-orders-payments");
}
