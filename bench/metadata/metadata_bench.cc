// metadata_bench: how the metadata store scales with partitions. In a temporary directory it
// commits one CreateTopics batch of --partitions partitions (plan + apply + fsync), reopens the
// store from the log (a restart replaying the batch), writes a snapshot and reopens from it, and
// commits --topics one-partition topics one batch each. Prints wall times and the heap the image
// holds per partition (glibc's in-use bytes around the reopen); asserts nothing.
//
//   build/bench/metadata_bench --partitions 100000 --topics 1000 [--replication-factor 3]
// (--replication-factor R registers R brokers and places every partition on all of them)

#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "metadata/controller.h"
#include "metadata/metadata_store.h"

namespace {

using namespace eddy::metadata;
using Clock = std::chrono::steady_clock;

// Bytes the allocator has handed out and not taken back (small blocks and mmapped ones).
size_t heap_in_use() {
  struct mallinfo2 m = ::mallinfo2();
  return m.uordblks + m.hblkhd;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::unique_ptr<MetadataStore> open_store(const std::string& dir, uint64_t snapshot_bytes) {
  MetadataStore::Options o;
  o.dir = dir;
  o.snapshot_bytes = snapshot_bytes;
  auto store = MetadataStore::open(o);
  if (!store) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), store.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(*store);
}

void check(const ControllerResult& r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.message.c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int32_t partitions = 100000;
  int32_t topics = 1000;
  int32_t replication_factor = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--partitions") partitions = std::atoi(argv[i + 1]);
    if (flag == "--topics") topics = std::atoi(argv[i + 1]);
    if (flag == "--replication-factor") replication_factor = std::atoi(argv[i + 1]);
  }
  std::string dir =
      std::filesystem::temp_directory_path() / ("metadata_bench." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const uint64_t kNoSnapshot = UINT64_MAX;
  ControllerDefaults defaults;
  defaults.max_partitions_per_topic = partitions;
  Controller controller(defaults);
  {
    auto store = open_store(dir, kNoSnapshot);
    for (int32_t id = 1; id <= replication_factor; ++id) {
      BrokerRegistration broker;
      broker.id = id;
      broker.endpoints.push_back({"PLAINTEXT", "localhost", 9092 + id, 0});
      check(store->commit([&](const MetadataImage&, pb::MetadataBatch* out) {
        return controller.register_broker(broker, out);
      }),
            "register");
    }
    auto t0 = Clock::now();
    check(store->commit([&](const MetadataImage& image, pb::MetadataBatch* out) {
      CreateTopicSpec spec;
      spec.name = "big";
      spec.num_partitions = partitions;
      spec.replication_factor = static_cast<int16_t>(replication_factor);
      return controller.create_topic(image, spec, out);
    }),
          "create");
    std::printf("create one topic of %d partitions (plan, apply, fsync): %.1f ms\n", partitions,
                ms_since(t0));
    t0 = Clock::now();
    for (int32_t t = 0; t < topics; ++t) {
      check(store->commit([&](const MetadataImage& image, pb::MetadataBatch* out) {
        CreateTopicSpec spec;
        spec.name = "small-" + std::to_string(t);
        spec.num_partitions = 1;
        spec.replication_factor = static_cast<int16_t>(replication_factor);
        return controller.create_topic(image, spec, out);
      }),
            "create small");
    }
    std::printf("create %d one-partition topics, one batch each: %.1f ms\n", topics, ms_since(t0));
  }
  {
    // What a commit of one leader or ISR change does besides the fsync: copy the image (shares
    // every topic) and apply the record (copies the touched topic once).
    auto store = open_store(dir, kNoSnapshot);
    auto image = store->image();
    const TopicImage* big = image->topic("big");
    pb::MetadataBatch change;
    auto* c = change.add_records()->mutable_partition_change();
    c->set_topic_id(big->id.raw());
    c->set_partition_id(0);
    c->set_leader(1);
    constexpr int kRounds = 20;
    auto t0 = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      MetadataImage next = *image;
      if (!next.apply_batch(change).is_ok()) std::exit(1);
    }
    std::printf(
        "one PartitionChangeRecord on the %d-partition topic (copy image + apply): %.2f ms\n",
        partitions, ms_since(t0) / kRounds);
  }
  {
    auto t0 = Clock::now();
    auto store = open_store(dir, kNoSnapshot);
    std::printf("reopen from the log (%zu partitions): %.1f ms\n",
                store->image()->partition_count(), ms_since(t0));
  }
  {
    // A snapshot threshold of 0 writes one at the next commit.
    auto store = open_store(dir, 0);
    check(store->commit([&](const MetadataImage& image, pb::MetadataBatch* out) {
      CreateTopicSpec spec;
      spec.name = "trigger-snapshot";
      return controller.create_topic(image, spec, out);
    }),
          "snapshot");
  }
  {
    size_t heap_before = heap_in_use();
    auto t0 = Clock::now();
    auto store = open_store(dir, kNoSnapshot);
    double open_ms = ms_since(t0);
    size_t partitions_in_image = store->image()->partition_count();
    std::printf("reopen from the snapshot (%zu partitions): %.1f ms\n", partitions_in_image,
                open_ms);
    // What a node keeps for the image once open: the store's heap, almost all of it the image.
    size_t held = heap_in_use() - heap_before;
    std::printf("metadata heap after the reopen: %.1f MiB, %.0f bytes per partition\n",
                held / 1048576.0, static_cast<double>(held) / partitions_in_image);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
