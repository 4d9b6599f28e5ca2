// The Processor API: records, processors, their context and punctuators.
//
// A processor receives each record of its parents, may read and write the state stores connected
// to it, forwards records to its children, and may schedule punctuators on stream time (advanced by
// record timestamps) or wall-clock time. All calls of one task happen on one thread.
#pragma once

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "eddy/streams/state_store.h"

namespace eddy::streams {

// A record inside a topology. An empty key or value is Kafka's null. old_value carries a KTable's
// previous value for the key (Kafka's Change<V>) where table processors need it.
struct Record {
  std::any key;
  std::any value;
  int64_t timestamp_ms = 0;
  std::any old_value;
};

template <class T>
const T& as(const std::any& a) {
  return std::any_cast<const T&>(a);
}

enum class PunctuationType { kStreamTime, kWallClockTime };

class Cancellable {
 public:
  virtual ~Cancellable() = default;
  virtual void cancel() = 0;
};

// Where the record being processed came from (absent for punctuations).
struct RecordMetadata {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

struct TaskId {
  int subtopology = 0;
  int32_t partition = 0;
  auto operator<=>(const TaskId&) const = default;
  std::string to_string() const {
    return std::to_string(subtopology) + "_" + std::to_string(partition);
  }
};

class ProcessorContext {
 public:
  virtual ~ProcessorContext() = default;
  virtual const std::string& application_id() const = 0;
  virtual TaskId task_id() const = 0;
  // Forwards to every child, or only to the child named `child`.
  virtual void forward(const Record& r) = 0;
  virtual void forward(const Record& r, const std::string& child) = 0;
  // A stream-time punctuator first fires with the first record processed after it is scheduled,
  // then whenever stream time has advanced by `interval` (once per advance, however large, as in
  // Kafka). A wall-clock punctuator fires every `interval` of wall-clock time.
  virtual std::shared_ptr<Cancellable> schedule(std::chrono::milliseconds interval,
                                                PunctuationType type,
                                                std::function<void(int64_t timestamp_ms)> fn) = 0;
  // A store connected to this processor; nullptr for any other name.
  virtual StateStore* state_store(const std::string& name) = 0;
  virtual std::optional<RecordMetadata> record_metadata() const = 0;
  // The largest record timestamp this task has processed (-1 before the first).
  virtual int64_t current_stream_time_ms() const = 0;
  virtual int64_t current_system_time_ms() const = 0;
  // Asks for a commit soon (after the current record).
  virtual void commit() = 0;
};

class Processor {
 public:
  virtual ~Processor() = default;
  virtual void init(ProcessorContext& context) { context_ = &context; }
  virtual void process(const Record& record) = 0;
  virtual void close() {}

 protected:
  ProcessorContext& context() { return *context_; }
  ProcessorContext* context_ = nullptr;
};

using ProcessorSupplier = std::function<std::unique_ptr<Processor>()>;

}  // namespace eddy::streams
