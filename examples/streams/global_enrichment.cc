// Global enrichment: each order in --orders (key: order id, value: "<user>:<item>") is joined with
// its user's region from the GlobalKTable --users (key: user id, value: region) and written to
// --output as "<item> for <user> in <region>"; orders of unknown users say "unknown" (a left
// join). The users table is kept in full on every instance, so the two topics need not be
// co-partitioned: the join key comes from the order's value, and nothing is repartitioned.
#include <string>

#include "eddy/streams/streams_builder.h"
#include "example_main.h"

using namespace eddy::streams;

int main(int argc, char** argv) {
  auto args =
      examples::parse(argc, argv,
                      "[--bootstrap host:port] [--orders t] [--users t] [--output t] [--app-id id] "
                      "[--state-dir dir] [--commit-interval-ms n] [--describe]");
  StreamsBuilder b;
  auto users = b.globalTable<std::string, std::string>(
      args.get("users", "users"), {}, Materialized<std::string, std::string>::as("users-store"));
  auto user_of = [](const std::string&, const std::string& order) {
    return order.substr(0, order.find(':'));
  };
  b.stream<std::string, std::string>(args.get("orders", "orders"))
      .leftJoin(users, user_of,
                [user_of](const std::string& order, const std::string* region) {
                  std::string item = order.substr(std::min(order.size(), order.find(':') + 1));
                  return item + " for " + user_of("", order) + " in " +
                         (region ? *region : std::string("unknown"));
                })
      .to(args.get("output", "enriched-orders"));
  return examples::run(b.build(), args, "streams-global-enrichment");
}
