#include "cli/app/perf_report.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ostream>

#include "cli/app/json.h"

namespace eddy::cli {

namespace {

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

void print_perf_result(Context& ctx, const PerfResult& r) {
  double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
  double rate = static_cast<double>(r.records) / secs;
  double mb_s = static_cast<double>(r.bytes) / secs / (1024 * 1024);
  if (ctx.global.json() || ctx.args.has("json")) {
    Json settings = Json::object();
    for (const auto& [k, v] : r.settings) settings.set(k, v);
    Json out = Json::object()
                   .set("mode", r.mode)
                   .set("topic", r.topic)
                   .set("records", r.records)
                   .set("bytes", r.bytes)
                   .set("failed", r.failed)
                   .set("elapsed_s", r.elapsed_s)
                   .set("records_per_s", rate)
                   .set("mb_per_s", mb_s);
    if (!r.latency_name.empty()) {
      out.set("latency_ms", Json::object()
                                .set("mean", r.latency.mean_ms)
                                .set("p50", r.latency.p50_ms)
                                .set("p95", r.latency.p95_ms)
                                .set("p99", r.latency.p99_ms)
                                .set("p99.9", r.latency.p999_ms)
                                .set("max", r.latency.max_ms));
    }
    out.set("settings", settings);
    ctx.out << out.dump() << "\n";
    return;
  }
  ctx.out << r.records << " records (" << fixed(static_cast<double>(r.bytes) / (1024 * 1024), 1)
          << " MiB) in " << fixed(r.elapsed_s, 2) << " s: " << fixed(rate, 1) << " records/s, "
          << fixed(mb_s, 2) << " MiB/s";
  if (r.failed > 0) ctx.out << ", " << r.failed << " FAILED";
  ctx.out << "\n";
  if (!r.latency_name.empty()) {
    ctx.out << r.latency_name << ", ms: mean " << fixed(r.latency.mean_ms, 2) << ", p50 "
            << fixed(r.latency.p50_ms, 2) << ", p95 " << fixed(r.latency.p95_ms, 2) << ", p99 "
            << fixed(r.latency.p99_ms, 2) << ", p99.9 " << fixed(r.latency.p999_ms, 2) << ", max "
            << fixed(r.latency.max_ms, 2) << "\n";
  }
  if (!r.settings.empty()) {
    ctx.out << "settings:";
    for (const auto& [k, v] : r.settings) ctx.out << " " << k << "=" << v;
    ctx.out << "\n";
  }
}

ProgressLine::ProgressLine(std::ostream& err, bool enabled)
    : err_(err), enabled_(enabled), tty_(::isatty(STDERR_FILENO) != 0), last_ns_(mono_ns()) {}

void ProgressLine::tick(int64_t records, int64_t bytes, LatencyStats& latency) {
  int64_t now = mono_ns();
  if (!enabled_ || now - last_ns_ < 1'000'000'000) return;
  double secs = static_cast<double>(now - last_ns_) / 1e9;
  LatencySummary w = latency.take_window();
  std::string line =
      std::to_string(records) + " records, " +
      fixed(static_cast<double>(records - last_records_) / secs, 1) + " records/s (" +
      fixed(static_cast<double>(bytes - last_bytes_) / secs / (1024 * 1024), 2) + " MiB/s)";
  if (w.count > 0) {
    line += ", latency avg " + fixed(w.mean_ms, 2) + " ms, max " + fixed(w.max_ms, 2) + " ms";
  }
  err_ << (tty_ ? "\r\033[K" : "") << line << (tty_ ? "" : "\n");
  err_.flush();
  printed_ = true;
  last_ns_ = now;
  last_records_ = records;
  last_bytes_ = bytes;
}

void ProgressLine::finish() {
  if (printed_ && tty_) err_ << "\n";
}

}  // namespace eddy::cli
