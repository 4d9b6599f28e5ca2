#include "metrics/registry.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <stdexcept>

namespace eddy::metrics {
namespace {

const char* type_name(Type t) {
  switch (t) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// The exposition being assembled: per family name, its header and sample lines.
struct Assembled {
  std::string help;
  Type type = Type::kGauge;
  std::string lines;
};

class AssemblingWriter final : public Writer {
 public:
  explicit AssemblingWriter(std::map<std::string, Assembled, std::less<>>* out) : out_(out) {}
  void family(std::string_view name, std::string_view help, Type type,
              std::vector<std::string> label_names) override {
    assert(valid_metric_name(name) && type != Type::kHistogram);
    auto it = out_->find(name);
    if (it == out_->end()) {
      it = out_->emplace(std::string(name), Assembled{std::string(help), type, {}}).first;
    }
    current_ = &it->second;
    name_ = std::string(name);
    label_names_ = std::move(label_names);
    // A collector naming a registered family with another type would make the exposition
    // invalid: its samples are dropped instead (a bug, caught by the exposition tests).
    skip_ = it->second.type != type;
  }
  void sample(const LabelValues& values, double value) override {
    if (current_ == nullptr || skip_ || values.size() != label_names_.size()) return;
    std::string& l = current_->lines;
    l += name_;
    append_labels(l, label_names_, values);
    l += ' ';
    append_value(l, value);
    l += '\n';
  }

 private:
  std::map<std::string, Assembled, std::less<>>* out_;
  Assembled* current_ = nullptr;
  std::string name_;
  std::vector<std::string> label_names_;
  bool skip_ = false;
};

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const LabelValues& values, std::string_view extra_name,
                   std::string_view extra_value) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    append_escaped_label_value(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    out += fmt::format("{}", static_cast<int64_t>(value));
  } else {
    out += fmt::format("{}", value);
  }
}

template <class M>
M& Family<M>::labels(const LabelValues& values) {
  assert(values.size() == label_names_.size());
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, Child{make_(), true}).first;
  it->second.visible = true;
  return *it->second.metric;
}

template <class M>
void Family<M>::remove(const LabelValues& values) {
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) it->second.visible = false;
}

// Counters and gauges: one sample line per visible child (histograms have their own below).
template <class M>
void Family<M>::render(std::string& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) {
    if (!child.visible) continue;
    out += name_;
    append_labels(out, label_names_, values);
    out += ' ';
    out += fmt::format("{}", child.metric->value());
    out += '\n';
  }
}

template <>
void Family<Histogram>::render(std::string& out) const {
  std::lock_guard lock(mu_);
  for (const auto& [values, child] : children_) {
    if (!child.visible) continue;
    const Histogram& h = *child.metric;
    Histogram::Snapshot s = h.snapshot();
    uint64_t cumulative = 0;
    auto bounds = h.bounds();
    for (size_t i = 0; i < s.buckets.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le = "+Inf";
      if (i < bounds.size()) {
        le.clear();
        append_value(le, static_cast<double>(bounds[i]) / h.scale());
      }
      out += name_;
      out += "_bucket";
      append_labels(out, label_names_, values, "le", le);
      out += fmt::format(" {}\n", cumulative);
    }
    out += name_;
    out += "_sum";
    append_labels(out, label_names_, values);
    out += ' ';
    append_value(out, static_cast<double>(s.sum) / h.scale());
    out += '\n';
    out += name_;
    out += "_count";
    append_labels(out, label_names_, values);
    out += fmt::format(" {}\n", s.count);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <class M, class... Args>
Family<M>& Registry::get_or_create(std::string_view name, std::string_view help, Type type,
                                   std::vector<std::string> label_names, Args&&... args) {
  if (!valid_metric_name(name)) throw std::invalid_argument("bad metric name " + std::string(name));
  for (const auto& l : label_names) {
    if (!valid_label_name(l) || l == "le") {
      throw std::invalid_argument("bad label name " + l + " of " + std::string(name));
    }
  }
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* f = dynamic_cast<Family<M>*>(it->second.get());
    if (f == nullptr || f->label_names() != label_names) {
      throw std::invalid_argument("metric " + std::string(name) +
                                  " registered twice with different types or labels");
    }
    return *f;
  }
  auto f = std::make_unique<Family<M>>(std::string(name), std::string(help), type,
                                       std::move(label_names), std::forward<Args>(args)...);
  Family<M>& ref = *f;
  families_.emplace(std::string(name), std::move(f));
  return ref;
}

Family<Counter>& Registry::counter(std::string_view name, std::string_view help,
                                   std::vector<std::string> label_names) {
  return get_or_create<Counter>(name, help, Type::kCounter, std::move(label_names));
}

Family<Gauge>& Registry::gauge(std::string_view name, std::string_view help,
                               std::vector<std::string> label_names) {
  return get_or_create<Gauge>(name, help, Type::kGauge, std::move(label_names));
}

Family<Histogram>& Registry::histogram(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names, const Bounds& bounds,
                                       double scale) {
  return get_or_create<Histogram>(name, help, Type::kHistogram, std::move(label_names), bounds,
                                  scale);
}

Registry::CollectorHandle Registry::add_collector(std::function<void(Writer&)> collect) {
  std::lock_guard lock(mu_);
  uint64_t id = next_collector_++;
  collectors_.emplace(id, std::move(collect));
  return CollectorHandle(this, id);
}

Registry::CollectorHandle& Registry::CollectorHandle::operator=(CollectorHandle&& o) noexcept {
  if (this != &o) {
    reset();
    registry_ = std::exchange(o.registry_, nullptr);
    id_ = std::exchange(o.id_, 0);
  }
  return *this;
}

void Registry::CollectorHandle::reset() {
  if (registry_ == nullptr) return;
  std::lock_guard collecting(registry_->collect_mu_);
  std::lock_guard lock(registry_->mu_);
  registry_->collectors_.erase(id_);
  registry_ = nullptr;
}

std::string Registry::expose() const {
  std::map<std::string, Assembled, std::less<>> out;
  std::vector<std::function<void(Writer&)>> collectors;
  std::lock_guard collecting(collect_mu_);
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      Assembled& a = out[name];
      a.help = f->help();
      a.type = f->type();
      f->render(a.lines);
    }
    for (const auto& [id, c] : collectors_) collectors.push_back(c);
  }
  AssemblingWriter writer(&out);
  for (const auto& c : collectors) c(writer);
  std::string text;
  for (const auto& [name, a] : out) {
    text += "# HELP ";
    text += name;
    text += ' ';
    append_help(text, a.help);
    text += "\n# TYPE ";
    text += name;
    text += ' ';
    text += type_name(a.type);
    text += '\n';
    text += a.lines;
  }
  return text;
}

Registry& registry() {
  // Never destroyed: metrics may be updated by threads still running during static destruction.
  static Registry* r = new Registry();
  return *r;
}

}  // namespace eddy::metrics
