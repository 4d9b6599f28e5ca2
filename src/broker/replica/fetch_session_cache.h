#pragma once
// Incremental fetch sessions (KIP-227). A client that opens a session sends its full partition
// list once; later fetches send only what changed (new or moved partitions, forgotten ones), and
// the broker answers only partitions with news (records, a moved high watermark, log start
// offset or last stable offset, or an error). Sessions are identified by (session id, epoch); the
// epoch increments with every fetch so a stale or duplicated request is detected.
//
// Request (session_id, session_epoch) meanings, as in Kafka's FetchMetadata:
//   (0, -1)  full fetch, no session
//   (0,  0)  full fetch, open a session (when the cache has room; else sessionless, id 0)
//   (id, -1) close session id, then a full sessionless fetch
//   (id, e>0) incremental fetch in session id, whose next expected epoch must be e
// Errors: FETCH_SESSION_ID_NOT_FOUND for an unknown id, INVALID_FETCH_SESSION_EPOCH for a wrong
// epoch (or a positive epoch without an id).
//
// The cache holds at most max_sessions sessions (max.incremental.fetch.session.cache.slots) of at
// most max_partitions_per_session partitions; when full, the least recently used session idle for
// longer than eviction_idle_ms is evicted for a new one. Thread-safe.

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "broker/replica/replica_types.h"
#include "common/clock.h"

namespace eddy::broker {

struct FetchSessionOptions {
  size_t max_sessions = 1000;
  size_t max_partitions_per_session = 10'000;
  int64_t eviction_idle_ms = 120'000;
};

// What one fetch request means once its session is resolved.
struct FetchSessionContext {
  int16_t error = 0;       // top-level error; nothing is fetched when set
  int32_t session_id = 0;  // the id to answer with (0: no session)
  bool incremental = false;
  int32_t next_epoch = 0;                       // the epoch the session expects after this fetch
  std::vector<FetchPartitionInput> partitions;  // what to read, in session order
};

class FetchSessionCache {
 public:
  FetchSessionCache(FetchSessionOptions options, Clock* clock);

  // Resolves a request's session fields against the cache and returns the partitions to read.
  FetchSessionContext begin(int32_t session_id, int32_t session_epoch,
                            std::vector<FetchPartitionInput> requested,
                            const std::vector<TopicPartition>& forgotten);
  // Remembers the results' offsets in the session and, for an incremental fetch, keeps only the
  // partitions with something new to say.
  std::vector<FetchPartitionResult> finish(const FetchSessionContext& ctx,
                                           std::vector<FetchPartitionResult> results);

  size_t size() const;

 private:
  struct CachedPartition {
    FetchPartitionInput input;
    Offset high_watermark{-1};
    Offset last_stable_offset{-1};
    Offset log_start_offset{-1};
  };
  struct Session {
    int32_t id = 0;
    int32_t next_epoch = 1;
    int64_t last_used_ms = 0;
    std::vector<TopicPartition> order;
    std::map<TopicPartition, CachedPartition> partitions;
    std::list<int32_t>::iterator lru_pos;
  };

  bool make_room();  // evicts one idle session if full; false when nothing may be evicted
  int32_t new_session_id();
  void touch(Session& s);

  FetchSessionOptions options_;
  Clock* clock_;
  mutable std::mutex mu_;
  std::unordered_map<int32_t, Session> sessions_;
  std::list<int32_t> lru_;  // least recently used first
  uint32_t id_seed_;
};

}  // namespace eddy::broker
