// Apache Kafka as the oracle: the same request sequences go to a real Kafka broker and to eddyd,
// and the answers are compared field by field after normalising what legitimately differs
// (throttle times, cluster and topic ids, hosts and ports, member ids, error messages, log append
// times). Run by test_differential.py:
//
//   java -cp 'build/kafka/libs/*' DifferentialJudge.java KAFKA_BOOTSTRAP EDDY_BOOTSTRAP
//
// Output: "same STEP" or "DIFF STEP PATH kafka=... eddy=..." per difference, "API NAME kafka=[a,b]
// eddy=[c,d]" for ApiVersions ranges, and "N same, M differ" last. Requests are built and answers
// parsed by kafka-clients' own message classes, so both brokers are read by the same decoder.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.*;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.RequestUtils;

public class DifferentialJudge {
  // Fields whose values legitimately differ between two brokers.
  static final Set<String> IGNORED = Set.of("throttleTimeMs", "clusterId", "topicId", "host",
      "port", "errorMessage", "logAppendTimeMs", "memberId", "leaderId_ifMemberId", "rack",
      "members", "leader", "batchIndexErrorMessage", "protocolName", "configs_documentation", "documentation",
      "clusterAuthorizedOperations", "supportedFeatures", "finalizedFeatures",
      "finalizedFeaturesEpoch", "zkMigrationReady", "recordsReadyToRead",
      // DescribeLogDirs: each broker's own directory and file system.
      "logDir", "totalBytes", "usableBytes");

  static final class Broker {
    final String name;
    final Socket socket;
    final DataOutputStream out;
    final DataInputStream in;
    int correlation = 1;

    Broker(String name, String bootstrap) throws Exception {
      this.name = name;
      String[] hp = bootstrap.split(",")[0].split(":");
      socket = new Socket(hp[0], Integer.parseInt(hp[1]));
      socket.setSoTimeout(30_000);
      out = new DataOutputStream(socket.getOutputStream());
      in = new DataInputStream(socket.getInputStream());
    }

    JsonNode send(ApiKeys api, short version, ApiMessage data) throws Exception {
      RequestHeader h = new RequestHeader(api, version, "differential", correlation++);
      ByteBuffer b = RequestUtils.serialize(h.data(), h.headerVersion(), data, version);
      out.writeInt(b.remaining());
      out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
      out.flush();
      byte[] resp = new byte[in.readInt()];
      in.readFully(resp);
      AbstractResponse r = AbstractResponse.parseResponse(ByteBuffer.wrap(resp), h);
      ApiMessage d = r.data();
      Class<?> conv = Class.forName(d.getClass().getName() + "JsonConverter");
      return (JsonNode) conv.getMethod("write", d.getClass(), short.class).invoke(null, d, version);
    }
  }

  static Broker kafka;
  static Broker eddy;
  static int same = 0;
  static int differ = 0;

  static JsonNode normalise(JsonNode n) {
    if (n instanceof ObjectNode o) {
      ObjectNode copy = o.objectNode();
      // Sorted keys: field order is the schema's, but a stable order reads better in diffs.
      Map<String, JsonNode> sorted = new TreeMap<>();
      o.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
      for (var e : sorted.entrySet()) {
        if (!IGNORED.contains(e.getKey())) copy.set(e.getKey(), normalise(e.getValue()));
      }
      return copy;
    }
    if (n instanceof ArrayNode a) {
      // Named elements (topics, configs) in name order: brokers list them in different orders.
      List<JsonNode> items = new ArrayList<>();
      for (JsonNode x : a) items.add(normalise(x));
      for (String key : List.of("name", "topic")) {
        if (!items.isEmpty() && items.stream().allMatch(x -> x.has(key) && x.get(key).isTextual())) {
          items.sort(java.util.Comparator.comparing((JsonNode x) -> x.get(key).asText()));
        }
      }
      // Partitions in index order: Kafka lists a log dir's partitions in hash order.
      if (!items.isEmpty() && items.stream().allMatch(x -> x.has("partitionIndex"))) {
        items.sort(java.util.Comparator.comparing((JsonNode x) -> x.get("partitionIndex").asInt()));
      }
      ArrayNode copy = a.arrayNode();
      items.forEach(copy::add);
      return copy;
    }
    return n;
  }

  static void diff(String step, String path, JsonNode k, JsonNode e, List<String> out) {
    if (k == null || e == null || k.getNodeType() != e.getNodeType()) {
      out.add(path + " kafka=" + k + " eddy=" + e);
      return;
    }
    if (k.isObject()) {
      Set<String> keys = new java.util.TreeSet<>();
      k.fieldNames().forEachRemaining(keys::add);
      e.fieldNames().forEachRemaining(keys::add);
      for (String key : keys) diff(step, path + "." + key, k.get(key), e.get(key), out);
    } else if (k.isArray()) {
      if (k.size() != e.size()) {
        out.add(path + " kafka=" + k + " eddy=" + e);
        return;
      }
      for (int i = 0; i < k.size(); i++) {
        JsonNode n = k.get(i).get("name");
        String at = n != null && n.isTextual() ? n.asText() : String.valueOf(i);
        diff(step, path + "[" + at + "]", k.get(i), e.get(i), out);
      }
    } else if (!k.equals(e)) {
      out.add(path + " kafka=" + k + " eddy=" + e);
    }
  }

  // Config keys only one broker knows (listed by configs()) are left out of the comparisons:
  // the rest is compared value by value, with source, type and flags.
  static Set<String> onlyOneSide = new java.util.HashSet<>();

  static void dropOneSided(JsonNode n) {
    if (n instanceof ObjectNode o) {
      for (String f : List.of("configs")) {
        if (o.get(f) instanceof ArrayNode a) {
          for (Iterator<JsonNode> it = a.iterator(); it.hasNext(); ) {
            JsonNode c = it.next();
            if (c.has("name") && onlyOneSide.contains(c.get("name").asText())) it.remove();
          }
        }
      }
      o.fields().forEachRemaining(e -> dropOneSided(e.getValue()));
    } else if (n instanceof ArrayNode a) {
      a.forEach(DifferentialJudge::dropOneSided);
    }
  }

  /** Sends the request to both brokers and reports the differences of the normalised answers. */
  static JsonNode[] step(String name, ApiKeys api, int version, ApiMessage data0) throws Exception {
    JsonNode k = kafka.send(api, (short) version, (ApiMessage) data0.duplicate());
    JsonNode e = eddy.send(api, (short) version, (ApiMessage) data0.duplicate());
    compare(name, k, e);
    return new JsonNode[] {k, e};
  }

  // ---- request builders -------------------------------------------------------------------

  static CreateTopicsRequestData createTopic(String name, int partitions, int rf,
      Map<String, String> configs) {
    CreateTopicsRequestData.CreatableTopic t = new CreateTopicsRequestData.CreatableTopic()
        .setName(name).setNumPartitions(partitions).setReplicationFactor((short) rf);
    for (var c : configs.entrySet()) {
      t.configs().add(new CreateTopicsRequestData.CreatableTopicConfig()
          .setName(c.getKey()).setValue(c.getValue()));
    }
    CreateTopicsRequestData d = new CreateTopicsRequestData().setTimeoutMs(30_000);
    d.topics().add(t);
    return d;
  }

  static ProduceRequestData produce(String topic, int partition, int count, int valueBytes,
      long timestamp) {
    SimpleRecord[] rs = new SimpleRecord[count];
    for (int i = 0; i < count; i++) {
      rs[i] = new SimpleRecord(timestamp + i * 1000L, ("k" + i).getBytes(), new byte[valueBytes]);
    }
    MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, rs);
    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition)
        .setRecords(records));
    ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
    d.topicData().add(t);
    return d;
  }

  /** Five records, those at indexes 1 and 3 without a key. */
  static ProduceRequestData produceSomeKeyless(String topic) {
    SimpleRecord[] rs = new SimpleRecord[5];
    for (int i = 0; i < rs.length; i++) {
      rs[i] = new SimpleRecord(System.currentTimeMillis(), i % 2 == 1 ? null : ("k" + i).getBytes(),
          ("v" + i).getBytes());
    }
    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
        .setRecords(MemoryRecords.withRecords(Compression.NONE, rs)));
    ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
    d.topicData().add(t);
    return d;
  }

  static ListOffsetsRequestData listOffsets(String topic, int partition, long timestamp,
      int currentLeaderEpoch) {
    ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic()
        .setName(topic);
    t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition()
        .setPartitionIndex(partition).setTimestamp(timestamp)
        .setCurrentLeaderEpoch(currentLeaderEpoch));
    ListOffsetsRequestData d = new ListOffsetsRequestData().setReplicaId(-1);
    d.topics().add(t);
    return d;
  }

  static FetchRequestData fetch(String topic, int partition, long offset, int currentLeaderEpoch) {
    FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopic(topic);
    t.partitions().add(new FetchRequestData.FetchPartition().setPartition(partition)
        .setFetchOffset(offset).setPartitionMaxBytes(1 << 20)
        .setCurrentLeaderEpoch(currentLeaderEpoch));
    FetchRequestData d = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
        .setMaxBytes(1 << 20).setSessionEpoch(-1);
    d.topics().add(t);
    return d;
  }

  static DescribeConfigsRequestData describeConfigs(byte type, String name) {
    DescribeConfigsRequestData d = new DescribeConfigsRequestData().setIncludeSynonyms(false);
    d.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
        .setResourceType(type).setResourceName(name).setConfigurationKeys(null));
    return d;
  }

  static DescribeGroupsRequestData describeGroup(String group) {
    DescribeGroupsRequestData d = new DescribeGroupsRequestData();
    d.groups().add(group);
    return d;
  }

  // ---- sequences --------------------------------------------------------------------------

  static void apiVersions() throws Exception {
    JsonNode k = kafka.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
        .setClientSoftwareName("differential").setClientSoftwareVersion("1"));
    JsonNode e = eddy.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
        .setClientSoftwareName("differential").setClientSoftwareVersion("1"));
    Map<Integer, int[]> km = new TreeMap<>();
    Map<Integer, int[]> em = new TreeMap<>();
    for (JsonNode a : k.get("apiKeys")) {
      km.put(a.get("apiKey").asInt(), new int[] {a.get("minVersion").asInt(), a.get("maxVersion").asInt()});
    }
    for (JsonNode a : e.get("apiKeys")) {
      em.put(a.get("apiKey").asInt(), new int[] {a.get("minVersion").asInt(), a.get("maxVersion").asInt()});
    }
    Set<Integer> all = new java.util.TreeSet<>(km.keySet());
    all.addAll(em.keySet());
    for (int key : all) {
      int[] kr = km.get(key);
      int[] er = em.get(key);
      String name = ApiKeys.hasId(key) ? ApiKeys.forId(key).name : "key" + key;
      System.out.println("API " + key + " " + name + " kafka="
          + (kr == null ? "-" : "[" + kr[0] + "," + kr[1] + "]") + " eddy="
          + (er == null ? "-" : "[" + er[0] + "," + er[1] + "]"));
    }
    step("ApiVersions error code", ApiKeys.API_VERSIONS, 3, new ApiVersionsRequestData()
        .setClientSoftwareName("differential").setClientSoftwareVersion("1"));
  }

  static void topics() throws Exception {
    step("CreateTopics valid", ApiKeys.CREATE_TOPICS, 7, createTopic("diff-a", 3, 1, Map.of()));
    topicReady("diff-a");
    step("CreateTopics existing", ApiKeys.CREATE_TOPICS, 7, createTopic("diff-a", 3, 1, Map.of()));
    step("CreateTopics invalid name", ApiKeys.CREATE_TOPICS, 7,
        createTopic("bad/name", 1, 1, Map.of()));
    step("CreateTopics zero partitions", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-zero", 0, 1, Map.of()));
    step("CreateTopics replication factor above brokers", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-rf", 1, 3, Map.of()));
    step("CreateTopics invalid config value", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-badcfg", 1, 1, Map.of("retention.ms", "abc")));
    step("CreateTopics unknown config key", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-unknowncfg", 1, 1, Map.of("no.such.key", "1")));
    MetadataRequestData m = new MetadataRequestData().setAllowAutoTopicCreation(false);
    m.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("diff-missing"));
    m.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("diff-a"));
    step("Metadata known and unknown topic", ApiKeys.METADATA, 12, m);
    CreatePartitionsRequestData cp = new CreatePartitionsRequestData().setTimeoutMs(30_000);
    cp.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("diff-a")
        .setCount(2).setAssignments(null));
    step("CreatePartitions decrease", ApiKeys.CREATE_PARTITIONS, 3, cp);
    DeleteTopicsRequestData dt = new DeleteTopicsRequestData().setTimeoutMs(30_000);
    dt.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setName("diff-missing"));
    step("DeleteTopics unknown", ApiKeys.DELETE_TOPICS, 6, dt);
  }

  static void data() throws Exception {
    // Recent timestamps: records older than retention.ms (7 days) are deleted by Kafka's first
    // retention check, 30 s after it starts, which a slow run reaches before these steps.
    long base = System.currentTimeMillis() / 1000 * 1000 - 3_600_000L;
    step("Produce 10 records", ApiKeys.PRODUCE, 9, produce("diff-a", 0, 10, 10, base));
    step("Produce unknown topic", ApiKeys.PRODUCE, 9, produce("diff-missing", 0, 1, 10, base));
    step("Produce unknown partition", ApiKeys.PRODUCE, 9, produce("diff-a", 9, 1, 10, base));
    step("Produce batch above max.message.bytes", ApiKeys.PRODUCE, 9,
        produce("diff-a", 1, 1, 1_100_000, base));
    step("CreateTopics compacted", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-compacted", 1, 1, Map.of("cleanup.policy", "compact")));
    topicReady("diff-compacted");
    step("Produce keyless records to a compacted topic", ApiKeys.PRODUCE, 9,
        produceSomeKeyless("diff-compacted"));
    long[] kinds = {-1, -2, -3, -4, -5, base + 4500, base + 100_000};
    for (long ts : kinds) {
      String name = ts < 0 ? String.valueOf(ts) : "base+" + (ts - base);
      step("ListOffsets timestamp " + name, ApiKeys.LIST_OFFSETS, 9,
          listOffsets("diff-a", 0, ts, -1));
    }
    step("ListOffsets empty partition max timestamp", ApiKeys.LIST_OFFSETS, 9,
        listOffsets("diff-a", 2, -3, -1));
    step("ListOffsets unknown partition", ApiKeys.LIST_OFFSETS, 9, listOffsets("diff-a", 9, -1, -1));
    step("ListOffsets future leader epoch", ApiKeys.LIST_OFFSETS, 9,
        listOffsets("diff-a", 0, -1, 99));
    step("Fetch from 0", ApiKeys.FETCH, 12, fetch("diff-a", 0, 0, -1));
    step("Fetch out of range", ApiKeys.FETCH, 12, fetch("diff-a", 0, 100, -1));
    step("Fetch future leader epoch", ApiKeys.FETCH, 12, fetch("diff-a", 0, 0, 99));
    DeleteRecordsRequestData dr = new DeleteRecordsRequestData().setTimeoutMs(30_000);
    DeleteRecordsRequestData.DeleteRecordsTopic drt =
        new DeleteRecordsRequestData.DeleteRecordsTopic().setName("diff-a");
    drt.partitions().add(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0)
        .setOffset(50));
    dr.topics().add(drt);
    step("DeleteRecords beyond the high watermark", ApiKeys.DELETE_RECORDS, 2, dr);
    dr.topics().get(0).partitions().get(0).setOffset(3);
    step("DeleteRecords to offset 3", ApiKeys.DELETE_RECORDS, 2, dr);
    step("ListOffsets earliest after DeleteRecords", ApiKeys.LIST_OFFSETS, 9,
        listOffsets("diff-a", 0, -2, -1));
    step("Fetch below the log start offset", ApiKeys.FETCH, 12, fetch("diff-a", 0, 1, -1));
  }

  /**
   * The admin calls of a cluster on a single node: DescribeCluster, DescribeLogDirs, the
   * reassignment and election APIs' answers and error codes (nothing to move on one node).
   */
  static void admin() throws Exception {
    step("DescribeCluster", ApiKeys.DESCRIBE_CLUSTER, 1, new DescribeClusterRequestData()
        .setIncludeClusterAuthorizedOperations(false).setEndpointType((byte) 1));
    DescribeLogDirsRequestData dl = new DescribeLogDirsRequestData();
    DescribeLogDirsRequestData.DescribableLogDirTopicCollection dlt =
        new DescribeLogDirsRequestData.DescribableLogDirTopicCollection();
    dlt.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic("diff-a")
        .setPartitions(List.of(0, 1, 2)));
    step("DescribeLogDirs", ApiKeys.DESCRIBE_LOG_DIRS, 4, dl.setTopics(dlt));
    step("ListPartitionReassignments all", ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0,
        new ListPartitionReassignmentsRequestData().setTopics(null).setTimeoutMs(30_000));
    for (String topic : List.of("diff-a", "diff-missing-topic")) {
      ListPartitionReassignmentsRequestData l =
          new ListPartitionReassignmentsRequestData().setTimeoutMs(30_000);
      l.setTopics(new ArrayList<>(List.of(new ListPartitionReassignmentsRequestData
          .ListPartitionReassignmentsTopics().setName(topic).setPartitionIndexes(List.of(0)))));
      step("ListPartitionReassignments " + topic, ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, l);
    }
    Map<String, List<Integer>> plans = new java.util.LinkedHashMap<>();
    plans.put("an unknown broker", List.of(99));
    plans.put("no replicas", List.of());
    plans.put("a replica twice", List.of(1, 1));
    plans.put("the same replicas", List.of(1));
    plans.put("cancel with none in progress", null);
    for (var plan : plans.entrySet()) {
      step("AlterPartitionReassignments " + plan.getKey(), ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
          0, reassign("diff-a", plan.getValue()));
    }
    step("AlterPartitionReassignments unknown topic", ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0,
        reassign("diff-missing-topic", List.of(1)));
    step("ListPartitionReassignments after", ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0,
        new ListPartitionReassignmentsRequestData().setTopics(null).setTimeoutMs(30_000));
    for (byte type : new byte[] {0, 1}) {
      String kind = type == 0 ? "preferred" : "unclean";
      step("ElectLeaders " + kind, ApiKeys.ELECT_LEADERS, 2, elect(type, "diff-a", 0));
      step("ElectLeaders " + kind + " unknown partition", ApiKeys.ELECT_LEADERS, 2,
          elect(type, "diff-a", 9));
      step("ElectLeaders " + kind + " unknown topic", ApiKeys.ELECT_LEADERS, 2,
          elect(type, "diff-missing-topic", 0));
      step("ElectLeaders " + kind + " every partition", ApiKeys.ELECT_LEADERS, 2,
          new ElectLeadersRequestData().setElectionType(type).setTopicPartitions(null)
              .setTimeoutMs(30_000));
    }
  }

  static AlterPartitionReassignmentsRequestData reassign(String topic, List<Integer> replicas) {
    AlterPartitionReassignmentsRequestData d =
        new AlterPartitionReassignmentsRequestData().setTimeoutMs(30_000);
    d.topics().add(new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(topic)
        .setPartitions(List.of(new AlterPartitionReassignmentsRequestData.ReassignablePartition()
            .setPartitionIndex(0).setReplicas(replicas))));
    return d;
  }

  static ElectLeadersRequestData elect(byte type, String topic, int partition) {
    ElectLeadersRequestData.TopicPartitionsCollection c =
        new ElectLeadersRequestData.TopicPartitionsCollection();
    c.add(new ElectLeadersRequestData.TopicPartitions().setTopic(topic)
        .setPartitions(List.of(partition)));
    return new ElectLeadersRequestData().setElectionType(type).setTopicPartitions(c)
        .setTimeoutMs(30_000);
  }

  static void configs() throws Exception {
    step("CreateTopics for configs", ApiKeys.CREATE_TOPICS, 7,
        createTopic("diff-cfg", 1, 1, Map.of("retention.ms", "3600000")));
    topicReady("diff-cfg");
    step("DescribeConfigs topic defaults", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 2, "diff-cfg"));
    step("DescribeConfigs unknown topic", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 2, "diff-never"));
    groupConfigs();
  }

  static IncrementalAlterConfigsRequestData alterGroup(String group, String key, byte op,
      String value) {
    IncrementalAlterConfigsRequestData.AlterConfigsResource r =
        new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 32)
            .setResourceName(group);
    r.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName(key)
        .setConfigOperation(op).setValue(value));
    IncrementalAlterConfigsRequestData d = new IncrementalAlterConfigsRequestData();
    d.resources().add(r);
    return d;
  }

  /** GROUP config resources (type 32): any group id, its configs stored like a topic's. */
  static void groupConfigs() throws Exception {
    String g = "diff-cfg-group";
    step("DescribeConfigs group", ApiKeys.DESCRIBE_CONFIGS, 4, describeConfigs((byte) 32, g));
    step("DescribeConfigs group empty name", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 32, ""));
    DescribeConfigsRequestData synonyms = describeConfigs((byte) 32, g).setIncludeSynonyms(true)
        .setIncludeDocumentation(true);
    synonyms.resources().get(0).setConfigurationKeys(
        List.of("consumer.session.timeout.ms", "share.auto.offset.reset", "streams.assignor.name"));
    step("DescribeConfigs group synonyms", ApiKeys.DESCRIBE_CONFIGS, 4, synonyms);
    step("IncrementalAlterConfigs group set", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup(g, "consumer.session.timeout.ms", (byte) 0, "50000"));
    step("DescribeConfigs group after set", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 32, g));
    step("DescribeConfigs group synonyms after set", ApiKeys.DESCRIBE_CONFIGS, 4, synonyms);
    step("IncrementalAlterConfigs group below the broker minimum",
        ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup(g, "consumer.session.timeout.ms", (byte) 0, "1000"));
    step("IncrementalAlterConfigs group not a number", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup(g, "consumer.heartbeat.interval.ms", (byte) 0, "soon"));
    step("IncrementalAlterConfigs group unknown key", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup(g, "diff.no.such.key", (byte) 0, "1"));
    step("IncrementalAlterConfigs group unregistered assignor", ApiKeys.INCREMENTAL_ALTER_CONFIGS,
        1, alterGroup(g, "streams.assignor.name", (byte) 0, "diff-none"));
    step("IncrementalAlterConfigs group empty name", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup("", "consumer.session.timeout.ms", (byte) 0, "50000"));
    step("IncrementalAlterConfigs group internal key", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1,
        alterGroup(g, "streams.num.warmup.replicas", (byte) 0, "3"));
    step("DescribeConfigs group after an internal key", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 32, g));
    AlterConfigsRequestData legacy = new AlterConfigsRequestData();
    AlterConfigsRequestData.AlterConfigsResource lr =
        new AlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 32)
            .setResourceName(g);
    lr.configs().add(new AlterConfigsRequestData.AlterableConfig()
        .setName("share.auto.offset.reset").setValue("earliest"));
    legacy.resources().add(lr);
    step("AlterConfigs group", ApiKeys.ALTER_CONFIGS, 2, legacy);
    step("DescribeConfigs group after AlterConfigs", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 32, g));
    IncrementalAlterConfigsRequestData delete = new IncrementalAlterConfigsRequestData();
    IncrementalAlterConfigsRequestData.AlterConfigsResource dr =
        new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 32)
            .setResourceName(g);
    for (String key : List.of("consumer.session.timeout.ms", "share.auto.offset.reset",
        "streams.num.warmup.replicas")) {
      dr.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName(key)
          .setConfigOperation((byte) 1));
    }
    delete.resources().add(dr);
    step("IncrementalAlterConfigs group delete", ApiKeys.INCREMENTAL_ALTER_CONFIGS, 1, delete);
    step("DescribeConfigs group after delete", ApiKeys.DESCRIBE_CONFIGS, 4,
        describeConfigs((byte) 32, g));
  }

  static void groups() throws Exception {
    String g = "diff-group";
    step("DescribeGroups unknown", ApiKeys.DESCRIBE_GROUPS, 5, describeGroup(g));
    FindCoordinatorRequestData fc = new FindCoordinatorRequestData().setKeyType((byte) 0);
    fc.coordinatorKeys().add(g);
    step("FindCoordinator group", ApiKeys.FIND_COORDINATOR, 4, fc);
    JoinGroupRequestData j = new JoinGroupRequestData().setGroupId(g).setSessionTimeoutMs(10_000)
        .setRebalanceTimeoutMs(10_000).setMemberId("").setProtocolType("consumer");
    j.protocols().add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
        .setMetadata(new byte[] {0, 0, 0, 0, 0, 0}));
    step("JoinGroup without member id", ApiKeys.JOIN_GROUP, 9, j);
    JsonNode[] joined = step("JoinGroup with the member id", ApiKeys.JOIN_GROUP, 9,
        j.duplicate().setMemberId("PLACEHOLDER"));
    // Each broker gets its own member id back: rejoin each with its own.
    String km = kafka.send(ApiKeys.JOIN_GROUP, (short) 9, j.duplicate()).get("memberId").asText();
    String em = eddy.send(ApiKeys.JOIN_GROUP, (short) 9, j.duplicate()).get("memberId").asText();
    JsonNode kj = kafka.send(ApiKeys.JOIN_GROUP, (short) 9, j.duplicate().setMemberId(km));
    JsonNode ej = eddy.send(ApiKeys.JOIN_GROUP, (short) 9, j.duplicate().setMemberId(em));
    compare("JoinGroup as the leader", kj, ej);
    compare("DescribeGroups after join",
        kafka.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)),
        eddy.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)));
    int kgen = kj.get("generationId").asInt();
    int egen = ej.get("generationId").asInt();
    compare("SyncGroup as the leader",
        kafka.send(ApiKeys.SYNC_GROUP, (short) 5, sync(g, km, kgen)),
        eddy.send(ApiKeys.SYNC_GROUP, (short) 5, sync(g, em, egen)));
    compare("DescribeGroups after sync",
        kafka.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)),
        eddy.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)));
    compare("Heartbeat with a stale generation",
        kafka.send(ApiKeys.HEARTBEAT, (short) 4, heartbeat(g, km, kgen - 1)),
        eddy.send(ApiKeys.HEARTBEAT, (short) 4, heartbeat(g, em, egen - 1)));
    compare("Heartbeat of an unknown member",
        kafka.send(ApiKeys.HEARTBEAT, (short) 4, heartbeat(g, "nobody", kgen)),
        eddy.send(ApiKeys.HEARTBEAT, (short) 4, heartbeat(g, "nobody", egen)));
    compare("OffsetCommit with a stale generation",
        kafka.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit(g, km, kgen - 1)),
        eddy.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit(g, em, egen - 1)));
    compare("OffsetCommit",
        kafka.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit(g, km, kgen)),
        eddy.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit(g, em, egen)));
    LeaveGroupRequestData l = new LeaveGroupRequestData().setGroupId(g);
    compare("LeaveGroup",
        kafka.send(ApiKeys.LEAVE_GROUP, (short) 5, leave(g, km)),
        eddy.send(ApiKeys.LEAVE_GROUP, (short) 5, leave(g, em)));
    compare("DescribeGroups after leave",
        kafka.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)),
        eddy.send(ApiKeys.DESCRIBE_GROUPS, (short) 5, describeGroup(g)));
    OffsetFetchRequestData of = new OffsetFetchRequestData();
    OffsetFetchRequestData.OffsetFetchRequestGroup ofg =
        new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(g).setTopics(null);
    of.groups().add(ofg);
    step("OffsetFetch after leave", ApiKeys.OFFSET_FETCH, 8, of);
    DeleteGroupsRequestData dg = new DeleteGroupsRequestData();
    dg.groupsNames().add(g);
    dg.groupsNames().add("diff-no-group");
    step("DeleteGroups", ApiKeys.DELETE_GROUPS, 2, dg);
    FindCoordinatorRequestData ft = new FindCoordinatorRequestData().setKeyType((byte) 1);
    ft.coordinatorKeys().add("diff-txn");
    step("FindCoordinator transaction", ApiKeys.FIND_COORDINATOR, 4, ft);
  }

  static SyncGroupRequestData sync(String g, String member, int gen) {
    SyncGroupRequestData s = new SyncGroupRequestData().setGroupId(g).setMemberId(member)
        .setGenerationId(gen).setProtocolType("consumer").setProtocolName("range");
    s.assignments().add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(member)
        .setAssignment(new byte[] {0, 0, 0, 0, 0, 0, 0, 0}));
    return s;
  }

  static HeartbeatRequestData heartbeat(String g, String member, int gen) {
    return new HeartbeatRequestData().setGroupId(g).setMemberId(member).setGenerationId(gen);
  }

  static OffsetCommitRequestData commit(String g, String member, int gen) {
    OffsetCommitRequestData c = new OffsetCommitRequestData().setGroupId(g).setMemberId(member)
        .setGenerationIdOrMemberEpoch(gen);
    OffsetCommitRequestData.OffsetCommitRequestTopic t =
        new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("diff-a");
    t.partitions().add(new OffsetCommitRequestData.OffsetCommitRequestPartition()
        .setPartitionIndex(0).setCommittedOffset(5));
    c.topics().add(t);
    return c;
  }

  static LeaveGroupRequestData leave(String g, String member) {
    LeaveGroupRequestData l = new LeaveGroupRequestData().setGroupId(g);
    l.members().add(new LeaveGroupRequestData.MemberIdentity().setMemberId(member));
    return l;
  }

  static void compare(String name, JsonNode k, JsonNode e) {
    List<String> diffs = new ArrayList<>();
    JsonNode nk = normalise(k);
    JsonNode ne = normalise(e);
    dropOneSided(nk);
    dropOneSided(ne);
    diff(name, "", nk, ne, diffs);
    if (diffs.isEmpty()) {
      same++;
      System.out.println("same " + name);
    } else {
      differ++;
      for (String d : diffs) System.out.println("DIFF " + name + " " + d);
    }
  }

  /** Config keys one broker describes and the other does not (a topic's, and a group's). */
  static void configKeys() throws Exception {
    kafka.send(ApiKeys.CREATE_TOPICS, (short) 7, createTopic("diff-keys", 1, 1, Map.of()));
    eddy.send(ApiKeys.CREATE_TOPICS, (short) 7, createTopic("diff-keys", 1, 1, Map.of()));
    topicReady("diff-keys");
    for (byte type : new byte[] {2, 32}) {
      String res = type == 2 ? "diff-keys" : "diff-keys-group";
      Set<String> kk = new java.util.TreeSet<>();
      Set<String> ek = new java.util.TreeSet<>();
      kafka.send(ApiKeys.DESCRIBE_CONFIGS, (short) 4, describeConfigs(type, res)).get("results")
          .get(0).get("configs").forEach(c -> kk.add(c.get("name").asText()));
      eddy.send(ApiKeys.DESCRIBE_CONFIGS, (short) 4, describeConfigs(type, res)).get("results")
          .get(0).get("configs").forEach(c -> ek.add(c.get("name").asText()));
      String what = type == 2 ? "TOPICCONFIG" : "GROUPCONFIG";
      for (String k : kk) if (!ek.contains(k)) System.out.println(what + " only-kafka " + k);
      for (String k : ek) if (!kk.contains(k)) System.out.println(what + " only-eddy " + k);
      if (!ek.isEmpty()) {
        kk.stream().filter(k -> !ek.contains(k)).forEach(onlyOneSide::add);
      }
      ek.stream().filter(k -> !kk.contains(k)).forEach(onlyOneSide::add);
    }
  }

  /** A broker's metadata follows a creation shortly after: wait until both list the topic. */
  static void topicReady(String topic) throws Exception {
    for (Broker b : List.of(kafka, eddy)) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        MetadataRequestData m = new MetadataRequestData().setAllowAutoTopicCreation(false);
        m.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(topic));
        JsonNode t = b.send(ApiKeys.METADATA, (short) 12, m).get("topics").get(0);
        boolean led = t.get("errorCode").asInt() == 0 && t.get("partitions").size() > 0;
        for (JsonNode p : t.get("partitions")) led &= p.get("leaderId").asInt() >= 0;
        if (led) break;
        if (System.nanoTime() > deadline) throw new IllegalStateException(b.name + ": " + t);
        Thread.sleep(100);
      }
    }
  }

  /** Kafka creates __consumer_offsets on the first FindCoordinator: wait until both answer. */
  static void coordinatorsReady() throws Exception {
    for (Broker b : List.of(kafka, eddy)) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        FindCoordinatorRequestData fc = new FindCoordinatorRequestData().setKeyType((byte) 0);
        fc.coordinatorKeys().add("diff-group");
        JsonNode r = b.send(ApiKeys.FIND_COORDINATOR, (short) 4, fc);
        if (r.get("coordinators").get(0).get("errorCode").asInt() == 0) break;
        if (System.nanoTime() > deadline) throw new IllegalStateException(b.name + ": " + r);
        Thread.sleep(100);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    kafka = new Broker("kafka", args[0]);
    eddy = new Broker("eddy", args[1]);
    configKeys();
    coordinatorsReady();
    apiVersions();
    topics();
    data();
    admin();
    configs();
    groups();
    System.out.println(same + " same, " + differ + " differ");
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
