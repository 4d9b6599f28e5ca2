#include "broker/cleaner_settings.h"

#include "metadata/config_def.h"

namespace eddy::broker {

log::CleanerOptions cleaner_settings(const BrokerConfig& config,
                                     const metadata::BrokerValueLookup& dynamic,
                                     log::CleanerOptions base) {
  // `dynamic` resolves a key through the per-broker value, the cluster default and the config
  // file; what none sets is the key's built-in default. Every value was validated by its
  // ConfigDef (the file at load, an alteration by the controller), so a parse cannot fail; the
  // config file's value stands in if one somehow did.
  auto text = [&](std::string_view key) -> std::string {
    if (dynamic) {
      if (auto v = dynamic(key); v && v->value) return *v->value;
    }
    return config.value(key).value_or("");
  };
  auto as_long = [&](std::string_view key) {
    auto v = metadata::parse_config_long(text(key));
    return v.is_ok() ? *v : config.get_long(key);
  };
  auto as_double = [&](std::string_view key, double fallback) {
    auto v = metadata::parse_config_double(text(key));
    return v.is_ok() ? *v : fallback;
  };
  log::CleanerOptions o = std::move(base);
  o.enable = config.get_bool("log.cleaner.enable");  // static, as in Kafka
  o.threads = static_cast<int>(as_long("log.cleaner.threads"));
  o.dedupe_buffer_bytes = static_cast<uint64_t>(as_long("log.cleaner.dedupe.buffer.size"));
  o.io_buffer_load_factor = as_double("log.cleaner.io.buffer.load.factor", o.io_buffer_load_factor);
  o.io_buffer_bytes = static_cast<uint64_t>(as_long("log.cleaner.io.buffer.size"));
  o.io_max_bytes_per_second = static_cast<double>(as_long("log.cleaner.io.max.bytes.per.second"));
  o.backoff_ms = as_long("log.cleaner.backoff.ms");
  return o;
}

}  // namespace eddy::broker
