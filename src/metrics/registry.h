#pragma once
// The process's metrics and their Prometheus text exposition (format 0.0.4).
//
// Metrics live in families: one name, help text, type and label names; a child per label
// values. Families are created once (the first call with a name creates it, later calls with the
// same name, type and label names return it) and live as long as the process, so code keeps
// references to them and to their children. A child is found under the family's mutex: hot
// paths look it up once and keep the reference (a child is never freed, only hidden by remove()
// until it is asked for again).
//
// State that already lives elsewhere (log sizes, offsets, group states, the process's CPU) is
// not copied into gauges: a collector reads it at scrape time. Collectors are registered with a
// handle that unregisters them when destroyed; a scrape holds them off until it is done, so
// an owner that destroys its handle before itself is never read afterwards.
//
// Names follow Kafka's JMX metrics mapped the way the Prometheus JMX exporter's Kafka rules map
// them (docs/metrics.md); this file only checks that they are valid Prometheus names.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metric.h"

namespace eddy::metrics {

enum class Type { kCounter, kGauge, kHistogram };

using LabelValues = std::vector<std::string>;

// What a collector writes: samples of gauge or counter families (merged with any other
// collector's or registered family's samples of the same name).
class Writer {
 public:
  virtual ~Writer() = default;
  // Declares the family the next samples belong to.
  virtual void family(std::string_view name, std::string_view help, Type type,
                      std::vector<std::string> label_names) = 0;
  virtual void sample(const LabelValues& values, double value) = 0;
};

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual void render(std::string& out) const = 0;

 protected:
  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> label_names_;
};

template <class M>
class Family final : public FamilyBase {
 public:
  template <class... Args>
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         Args&&... make_args)
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        make_([... a = std::forward<Args>(make_args)] { return std::make_unique<M>(a...); }) {}

  // The child of these label values (as many as label_names()), created when missing.
  M& labels(const LabelValues& values);
  M& labels() { return labels(LabelValues{}); }
  // Hides the child from the exposition (a deleted topic); a later labels() shows it again.
  void remove(const LabelValues& values);
  void render(std::string& out) const override;

 private:
  struct Child {
    std::unique_ptr<M> metric;
    bool visible = true;
  };
  std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mu_;
  std::map<LabelValues, Child> children_;  // guarded by mu_
};

class Registry {
 public:
  class CollectorHandle {
   public:
    CollectorHandle() = default;
    CollectorHandle(Registry* r, uint64_t id) : registry_(r), id_(id) {}
    CollectorHandle(CollectorHandle&& o) noexcept { *this = std::move(o); }
    CollectorHandle& operator=(CollectorHandle&& o) noexcept;
    ~CollectorHandle() { reset(); }
    void reset();

   private:
    Registry* registry_ = nullptr;
    uint64_t id_ = 0;
  };

  Family<Counter>& counter(std::string_view name, std::string_view help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string_view name, std::string_view help,
                       std::vector<std::string> label_names = {});
  // Histogram(bounds, scale): see metric.h.
  Family<Histogram>& histogram(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names, const Bounds& bounds,
                               double scale);

  [[nodiscard]] CollectorHandle add_collector(std::function<void(Writer&)> collect);

  // The whole exposition: families sorted by name, one HELP and TYPE line each.
  std::string expose() const;

 private:
  template <class M, class... Args>
  Family<M>& get_or_create(std::string_view name, std::string_view help, Type type,
                           std::vector<std::string> label_names, Args&&... args);

  mutable std::mutex mu_;  // families_ and collectors_
  std::map<std::string, std::unique_ptr<FamilyBase>, std::less<>> families_;
  std::map<uint64_t, std::function<void(Writer&)>> collectors_;
  uint64_t next_collector_ = 1;
  // Held by expose() while collectors run, and by CollectorHandle::reset(): a collector is never
  // running after its handle is gone.
  mutable std::mutex collect_mu_;
};

// The process-wide registry.
Registry& registry();

// Prometheus text helpers (shared by families and collectors).
bool valid_metric_name(std::string_view name);
void append_escaped_label_value(std::string& out, std::string_view value);
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const LabelValues& values, std::string_view extra_name = {},
                   std::string_view extra_value = {});
void append_value(std::string& out, double value);

}  // namespace eddy::metrics
