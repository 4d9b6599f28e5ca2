// Kafka's own Java client (kafka-clients) and command-line tools (kafka-tools, run through their
// main classes in this one JVM) as judges of eddyd. Run by test_java_clients.py:
//
//   java -cp 'build/kafka/libs/*' ClientsJudge.java BOOTSTRAP [clients|tools|quorum]...
//
// Each case prints "ok NAME" or "FAIL NAME" with the reason; the last line is
// "N passed, M failed" and the exit status is 1 when any case failed. Cases run in order and
// share the broker (each uses its own topics and groups), so one JVM start-up serves them all.
// A feature Eddy lacks (transactions) has a case that checks the clear, prompt failure clients
// get instead of a hang.

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.internals.Exit;

public class ClientsJudge {
  interface Case {
    void run() throws Exception;
  }

  static String bootstrap;
  static int passed = 0;
  static int failed = 0;
  static final PrintStream realOut = System.out;

  static void check(boolean ok, String what) {
    if (!ok) throw new AssertionError(what);
  }

  static <T> void checkEq(T want, T got, String what) {
    if (want == null ? got != null : !want.equals(got)) {
      throw new AssertionError(what + ": want " + want + ", got " + got);
    }
  }

  static void run(String name, Case c) {
    long t0 = System.nanoTime();
    try {
      c.run();
      passed++;
      realOut.printf("ok %s (%d ms)%n", name, (System.nanoTime() - t0) / 1_000_000);
    } catch (Throwable t) {
      failed++;
      realOut.printf("FAIL %s: %s%n", name, t);
      t.printStackTrace(realOut);
    }
    realOut.flush();
  }

  // ---- clients ----------------------------------------------------------------------------

  static Admin admin() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  static KafkaProducer<String, String> producer(String codec, Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.putAll(extra);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String group) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  static void createTopic(Admin a, String topic, int partitions, Map<String, String> configs)
      throws Exception {
    a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
        .all()
        .get(30, TimeUnit.SECONDS);
  }

  static List<ConsumerRecord<String, String>> readAll(
      KafkaConsumer<String, String> c, int want, Duration within) {
    List<ConsumerRecord<String, String>> got = new ArrayList<>();
    long deadline = System.nanoTime() + within.toNanos();
    while (got.size() < want && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) got.add(r);
    }
    return got;
  }

  /** Idempotent producer (acks=all) with each codec; an assigned consumer reads it all back. */
  static void producerCodecs() throws Exception {
    try (Admin a = admin()) {
      for (String codec : List.of("none", "gzip", "snappy", "lz4", "zstd")) {
        String topic = "java-codec-" + codec;
        createTopic(a, topic, 1, Map.of());
        List<RecordMetadata> acks = new ArrayList<>();
        try (KafkaProducer<String, String> p = producer(codec, Map.of())) {
          List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
          for (int i = 0; i < 200; i++) {
            fs.add(p.send(new ProducerRecord<>(topic, "k" + i, codec + "-value-" + i)));
          }
          p.flush();
          for (var f : fs) acks.add(f.get(30, TimeUnit.SECONDS));
        }
        for (int i = 0; i < acks.size(); i++) checkEq((long) i, acks.get(i).offset(), "offset");
        try (KafkaConsumer<String, String> c = consumer(null)) {
          TopicPartition tp = new TopicPartition(topic, 0);
          c.assign(List.of(tp));
          c.seekToBeginning(List.of(tp));
          List<ConsumerRecord<String, String>> got = readAll(c, 200, Duration.ofSeconds(30));
          checkEq(200, got.size(), codec + " records read back");
          for (int i = 0; i < 200; i++) {
            checkEq("k" + i, got.get(i).key(), "key");
            checkEq(codec + "-value-" + i, got.get(i).value(), "value");
            checkEq((long) i, got.get(i).offset(), "offset");
          }
        }
      }
    }
  }

  static boolean drained(KafkaConsumer<String, String> c) {
    if (c.assignment().isEmpty()) return false;
    for (TopicPartition tp : c.assignment()) {
      if (c.position(tp) < 20) return false;
    }
    return true;
  }

  /** Two classic-protocol group members share a three-partition topic and commit. */
  static void consumerGroup() throws Exception {
    String topic = "java-group-topic";
    String group = "java-group";
    try (Admin a = admin()) {
      createTopic(a, topic, 3, Map.of());
      try (KafkaProducer<String, String> p = producer("none", Map.of())) {
        for (int i = 0; i < 60; i++) p.send(new ProducerRecord<>(topic, i % 3, null, "v" + i));
        p.flush();
      }
      Set<String> seen = new HashSet<>();
      try (KafkaConsumer<String, String> c1 = consumer(group);
          KafkaConsumer<String, String> c2 = consumer(group)) {
        c1.subscribe(List.of(topic));
        c2.subscribe(List.of(topic));
        // Until every record was seen and each member's partitions are consumed to the end (a
        // member assigned a partition after a rebalance reads it again from the start).
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !(seen.size() == 60 && drained(c1) && drained(c2))) {
          for (KafkaConsumer<String, String> c : List.of(c1, c2)) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
              seen.add(r.value());
            }
          }
        }
        checkEq(60, seen.size(), "records consumed by the group");
        check(!c1.assignment().isEmpty() && !c2.assignment().isEmpty(), "both members assigned");
        Set<TopicPartition> all = new HashSet<>(c1.assignment());
        all.addAll(c2.assignment());
        checkEq(3, all.size(), "partitions assigned across the group");
        c1.commitSync();
        c2.commitSync();
        ConsumerGroupDescription d =
            a.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        checkEq(GroupState.STABLE, d.groupState(), "group state");
        checkEq(2, d.members().size(), "members");
      }
      Map<TopicPartition, OffsetAndMetadata> offsets =
          a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      checkEq(3, offsets.size(), "committed partitions");
      for (var e : offsets.entrySet()) checkEq(20L, e.getValue().offset(), "committed " + e.getKey());
      // Reset one partition while the group is empty, then delete another's offset.
      TopicPartition p0 = new TopicPartition(topic, 0);
      TopicPartition p1 = new TopicPartition(topic, 1);
      a.alterConsumerGroupOffsets(group, Map.of(p0, new OffsetAndMetadata(5))).all().get();
      a.deleteConsumerGroupOffsets(group, Set.of(p1)).all().get();
      offsets = a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      checkEq(5L, offsets.get(p0).offset(), "altered offset");
      check(!offsets.containsKey(p1), "deleted offset is gone: " + offsets);
      checkEq(GroupState.EMPTY,
          a.describeConsumerGroups(List.of(group)).describedGroups().get(group).get().groupState(),
          "state after the members left");
    }
  }

  /** CreateTopics with configs, list, describe, add partitions, delete. */
  static void adminTopics() throws Exception {
    try (Admin a = admin()) {
      String topic = "java-admin-topic";
      createTopic(a, topic, 2, Map.of("retention.ms", "3600000", "cleanup.policy", "delete"));
      check(a.listTopics().names().get().contains(topic), "listed");
      TopicDescription d = a.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      checkEq(2, d.partitions().size(), "partitions");
      check(d.partitions().get(0).leader() != null, "leader");
      check(d.topicId() != null && !d.topicId().toString().isEmpty(), "topic id");
      a.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get();
      d = a.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      checkEq(4, d.partitions().size(), "partitions after CreatePartitions");
      try {
        createTopic(a, topic, 1, Map.of());
        throw new AssertionError("a second CreateTopics of the same name succeeded");
      } catch (ExecutionException e) {
        check(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException,
            "TopicExistsException, got " + e.getCause());
      }
      a.deleteTopics(List.of(topic)).all().get();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (a.listTopics().names().get().contains(topic) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      check(!a.listTopics().names().get().contains(topic), "deleted");
    }
  }

  /** DescribeConfigs (topic and broker), IncrementalAlterConfigs, sources. */
  static void adminConfigs() throws Exception {
    try (Admin a = admin()) {
      String topic = "java-config-topic";
      createTopic(a, topic, 1, Map.of("retention.ms", "7200000"));
      ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config c = a.describeConfigs(List.of(r)).all().get().get(r);
      checkEq("7200000", c.get("retention.ms").value(), "retention.ms");
      checkEq(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, c.get("retention.ms").source(),
          "retention.ms source");
      checkEq("delete", c.get("cleanup.policy").value(), "cleanup.policy default");
      check(c.get("segment.bytes") != null, "segment.bytes described");
      a.incrementalAlterConfigs(Map.of(r, List.of(
          new AlterConfigOp(new ConfigEntry("segment.ms", "600000"), AlterConfigOp.OpType.SET),
          new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE))))
          .all().get();
      c = a.describeConfigs(List.of(r)).all().get().get(r);
      checkEq("600000", c.get("segment.ms").value(), "segment.ms after SET");
      check(c.get("retention.ms").source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG,
          "retention.ms back to its default");
      ConfigResource b = new ConfigResource(ConfigResource.Type.BROKER, "1");
      Config bc = a.describeConfigs(List.of(b)).all().get().get(b);
      check(bc.get("num.partitions") != null, "broker num.partitions described");
      try {
        a.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(
            new ConfigEntry("retention.ms", "not-a-number"), AlterConfigOp.OpType.SET))))
            .all().get();
        throw new AssertionError("an invalid value was accepted");
      } catch (ExecutionException e) {
        check(e.getCause() instanceof org.apache.kafka.common.errors.InvalidConfigurationException
            || e.getCause() instanceof org.apache.kafka.common.errors.InvalidRequestException,
            "invalid config refused, got " + e.getCause());
      }
    }
  }

  /** DescribeCluster, with authorized operations (no authorizer: every cluster operation). */
  static void describeCluster() throws Exception {
    try (Admin a = admin()) {
      DescribeClusterResult r =
          a.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));
      check(!r.clusterId().get().isEmpty(), "cluster id");
      check(!r.nodes().get().isEmpty(), "nodes");
      check(r.controller().get() != null, "controller");
      Set<AclOperation> ops = r.authorizedOperations().get();
      check(ops != null && ops.contains(AclOperation.DESCRIBE) && ops.contains(AclOperation.ALTER),
          "cluster authorized operations: " + ops);
      TopicDescription d = a.describeTopics(List.of("java-codec-none"),
              new DescribeTopicsOptions().includeAuthorizedOperations(true))
          .allTopicNames().get().get("java-codec-none");
      check(d.authorizedOperations() != null && d.authorizedOperations().contains(AclOperation.READ)
          && d.authorizedOperations().contains(AclOperation.WRITE),
          "topic authorized operations: " + d.authorizedOperations());
    }
  }

  /** DescribeLogDirs: the codec topics' partitions are on the broker's log dir, with sizes. */
  static void describeLogDirs() throws Exception {
    try (Admin a = admin()) {
      int node = a.describeCluster().nodes().get().iterator().next().id();
      Map<String, LogDirDescription> dirs =
          a.describeLogDirs(List.of(node)).allDescriptions().get().get(node);
      check(!dirs.isEmpty(), "a log dir");
      boolean found = false;
      for (LogDirDescription d : dirs.values()) {
        check(d.error() == null, "log dir error " + d.error());
        ReplicaInfo ri = d.replicaInfos().get(new TopicPartition("java-codec-none", 0));
        if (ri != null) {
          found = true;
          check(ri.size() > 0, "replica size");
        }
      }
      check(found, "java-codec-none-0 in a log dir");
    }
  }

  /** DeleteRecords moves the log start offset; ListOffsets for every timestamp kind. */
  static void deleteRecordsAndListOffsets() throws Exception {
    String topic = "java-delete-records";
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin a = admin()) {
      createTopic(a, topic, 1, Map.of());
      long base = System.currentTimeMillis() - 100_000;
      try (KafkaProducer<String, String> p = producer("none", Map.of())) {
        for (int i = 0; i < 10; i++) {
          p.send(new ProducerRecord<>(topic, 0, base + i * 1000L, null, "v" + i));
        }
        p.flush();
      }
      var lw = a.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4)))
          .lowWatermarks().get(tp).get();
      checkEq(4L, lw.lowWatermark(), "low watermark");
      Map<String, OffsetSpec> specs = new LinkedHashMap<>();
      specs.put("earliest", OffsetSpec.earliest());
      specs.put("latest", OffsetSpec.latest());
      specs.put("max-timestamp", OffsetSpec.maxTimestamp());
      specs.put("by-timestamp", OffsetSpec.forTimestamp(base + 6500));
      specs.put("earliest-local", OffsetSpec.earliestLocal());
      Map<String, Long> want = Map.of("earliest", 4L, "latest", 10L, "max-timestamp", 9L,
          "by-timestamp", 7L, "earliest-local", 4L);
      for (var e : specs.entrySet()) {
        ListOffsetsResult.ListOffsetsResultInfo info =
            a.listOffsets(Map.of(tp, e.getValue())).partitionResult(tp).get();
        checkEq(want.get(e.getKey()), info.offset(), "ListOffsets " + e.getKey());
      }
      try (KafkaConsumer<String, String> c = consumer(null)) {
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        List<ConsumerRecord<String, String>> got = readAll(c, 6, Duration.ofSeconds(20));
        checkEq(6, got.size(), "records after the low watermark");
        checkEq(4L, got.get(0).offset(), "first offset");
      }
    }
  }

  /**
   * Transactions do not exist in Eddy: initTransactions() must fail promptly with a clear
   * error, not block until max.block.ms.
   */
  static void transactionsFailFast() throws Exception {
    long t0 = System.nanoTime();
    try (KafkaProducer<String, String> p = producer("none",
        Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "java-txn",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000"))) {
      try {
        p.initTransactions();
        throw new AssertionError("initTransactions() succeeded on a broker without transactions");
      } catch (TimeoutException e) {
        throw new AssertionError("initTransactions() hung until max.block.ms", e);
      } catch (KafkaException e) {
        long ms = (System.nanoTime() - t0) / 1_000_000;
        check(ms < 30_000, "failed only after " + ms + " ms");
        String m = String.valueOf(e.getMessage()) + " " + e.getCause();
        check(m.toLowerCase().contains("transaction"), "a clear error, got " + m);
      }
    }
  }

  // ---- tools ------------------------------------------------------------------------------

  static final class ToolExit extends RuntimeException {
    ToolExit(int code, String message) {
      super("exit " + code + (message == null ? "" : ": " + message));
    }
  }

  // The first Exit.exit() of a tool run: some tools call Exit.exit(0) inside their own
  // catch-all (TopicCommand.execute), which would turn our ToolExit into their exit status 1.
  static Integer exitCode;

  static void exit(int code, String message) {
    if (exitCode == null) exitCode = code;
    throw new ToolExit(code, message);
  }

  /** Runs a tool's main class in this JVM; returns its standard output; fails on a non-zero exit. */
  static String tool(String mainClass, String stdin, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
    InputStream oldIn = System.in;
    exitCode = null;
    System.setOut(ps);
    if (stdin != null) System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (!(e.getCause() instanceof ToolExit)) {
        throw new AssertionError(mainClass + " threw", e.getCause());
      }
    } finally {
      System.setOut(realOut);
      System.setIn(oldIn);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    int code = exitCode == null ? 0 : exitCode;
    if (code != 0) throw new AssertionError(mainClass + " exited " + code + ":\n" + text);
    return text;
  }

  static final String T = "org.apache.kafka.tools.";

  static void toolsCases() throws Exception {
    String topic = "tools-topic";
    String group = "tools-group";
    run("kafka-topics --create/--list/--describe/--alter", () -> {
      tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--create", "--topic", topic,
          "--partitions", "2", "--replication-factor", "1", "--config", "retention.ms=86400000");
      String list = tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--list");
      check(list.lines().anyMatch(topic::equals), "listed:\n" + list);
      tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--alter", "--topic", topic,
          "--partitions", "3");
      String d = tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--describe",
          "--topic", topic);
      check(d.contains("PartitionCount: 3"), "described:\n" + d);
      check(d.contains("retention.ms=86400000"), "configs described:\n" + d);
    });
    run("kafka-configs --describe/--alter (topics, brokers)", () -> {
      tool(T + "ConfigCommand", null, "--bootstrap-server", bootstrap, "--entity-type", "topics",
          "--entity-name", topic, "--alter", "--add-config", "segment.ms=3600000");
      String d = tool(T + "ConfigCommand", null, "--bootstrap-server", bootstrap, "--entity-type",
          "topics", "--entity-name", topic, "--describe");
      check(d.contains("segment.ms=3600000"), "described:\n" + d);
      tool(T + "ConfigCommand", null, "--bootstrap-server", bootstrap, "--entity-type", "topics",
          "--entity-name", topic, "--alter", "--delete-config", "segment.ms");
      d = tool(T + "ConfigCommand", null, "--bootstrap-server", bootstrap, "--entity-type",
          "topics", "--entity-name", topic, "--describe");
      check(!d.contains("segment.ms="), "deleted:\n" + d);
      String b = tool(T + "ConfigCommand", null, "--bootstrap-server", bootstrap, "--entity-type",
          "brokers", "--entity-name", "1", "--describe", "--all");
      check(b.contains("num.partitions="), "broker configs:\n" + b);
    });
    run("kafka-console-producer and kafka-console-consumer", () -> {
      StringBuilder in = new StringBuilder();
      for (int i = 0; i < 20; i++) in.append("k").append(i).append(":line-").append(i).append('\n');
      tool(T + "ConsoleProducer", in.toString(), "--bootstrap-server", bootstrap, "--topic", topic,
          "--property", "parse.key=true", "--property", "key.separator=:");
      String out = tool(T + "consumer.ConsoleConsumer", null, "--bootstrap-server", bootstrap,
          "--topic", topic, "--group", group, "--from-beginning", "--max-messages", "20",
          "--timeout-ms", "30000", "--property", "print.key=true");
      Set<String> lines = out.lines().collect(Collectors.toSet());
      for (int i = 0; i < 20; i++) check(lines.contains("k" + i + "\tline-" + i), "consumed:\n" + out);
    });
    run("kafka-consumer-groups --list/--describe/--reset-offsets", () -> {
      String list = tool(T + "consumer.group.ConsumerGroupCommand", null, "--bootstrap-server",
          bootstrap, "--list");
      check(list.lines().anyMatch(group::equals), "listed:\n" + list);
      String d = tool(T + "consumer.group.ConsumerGroupCommand", null, "--bootstrap-server",
          bootstrap, "--describe", "--group", group);
      check(d.contains(topic), "described:\n" + d);
      String r = tool(T + "consumer.group.ConsumerGroupCommand", null, "--bootstrap-server",
          bootstrap, "--reset-offsets", "--group", group, "--topic", topic, "--to-earliest",
          "--execute");
      check(r.contains(topic), "reset:\n" + r);
      try (Admin a = admin()) {
        var offsets = a.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        for (var e : offsets.entrySet()) checkEq(0L, e.getValue().offset(), "reset " + e.getKey());
      }
    });
    run("kafka-get-offsets", () -> {
      String out = tool(T + "GetOffsetShell", null, "--bootstrap-server", bootstrap, "--topic",
          topic, "--time", "-1");
      long total = out.lines().filter(l -> l.startsWith(topic + ":"))
          .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(':') + 1))).sum();
      checkEq(20L, total, "latest offsets summed:\n" + out);
    });
    run("kafka-delete-records", () -> {
      Path f = Files.createTempFile("delete-records", ".json");
      Files.writeString(f, "{\"partitions\":[{\"topic\":\"" + topic
          + "\",\"partition\":0,\"offset\":1}],\"version\":1}");
      String out = tool(T + "DeleteRecordsCommand", null, "--bootstrap-server", bootstrap,
          "--offset-json-file", f.toString());
      Files.delete(f);
      check(out.contains("low_watermark: 1"), "deleted:\n" + out);
    });
    run("kafka-log-dirs --describe", () -> {
      String out = tool(T + "LogDirsCommand", null, "--bootstrap-server", bootstrap, "--describe",
          "--topic-list", topic);
      check(out.contains("\"partition\":\"" + topic + "-0\""), "log dirs:\n" + out);
    });
    run("kafka-broker-api-versions", () -> {
      String out = tool(T + "BrokerApiVersionsCommand", null, "--bootstrap-server", bootstrap);
      check(out.contains("Produce(0):") && out.contains("Fetch(1):")
          && out.contains("ApiVersions(18):"), "api versions:\n" + out);
      check(!out.contains("UNSUPPORTED") || out.contains("usable"), "versions:\n" + out);
    });
    run("kafka-topics --delete", () -> {
      tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--delete", "--topic", topic);
    });
  }

  static void quorumCases() throws Exception {
    run("kafka-metadata-quorum describe --status", () -> {
      String out = tool(T + "MetadataQuorumCommand", null, "--bootstrap-server", bootstrap,
          "describe", "--status");
      check(out.contains("LeaderId:") && out.contains("CurrentVoters:"), "status:\n" + out);
      check(!out.contains("LeaderId:            -1"), "a leader:\n" + out);
    });
    run("kafka-metadata-quorum describe --replication", () -> {
      String out = tool(T + "MetadataQuorumCommand", null, "--bootstrap-server", bootstrap,
          "describe", "--replication");
      long voters = out.lines().filter(l -> l.contains("Leader") || l.contains("Follower")).count();
      checkEq(3L, voters, "voters listed:\n" + out);
    });
    String rf3 = "cluster-tools";
    run("kafka-topics --create --replication-factor 3, --describe until the ISR holds all three",
        () -> {
          tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--create", "--topic",
              rf3, "--partitions", "1", "--replication-factor", "3");
          String d = "";
          for (int i = 0; i < 300; i++) {
            d = tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--describe",
                "--topic", rf3);
            if (d.matches("(?s).*Isr: \\d,\\d,\\d.*")) break;
            Thread.sleep(200);
          }
          check(d.contains("ReplicationFactor: 3"), "described:\n" + d);
          check(d.matches("(?s).*Isr: \\d,\\d,\\d.*"), "ISR of three:\n" + d);
        });
    run("kafka-leader-election --election-type PREFERRED", () -> {
      tool(T + "LeaderElectionCommand", null, "--bootstrap-server", bootstrap,
          "--election-type", "PREFERRED", "--topic", rf3, "--partition", "0");
    });
    run("kafka-reassign-partitions --execute, --verify, --list", () -> {
      java.nio.file.Path plan = java.nio.file.Files.createTempFile("reassign", ".json");
      java.nio.file.Files.writeString(plan, "{\"version\":1,\"partitions\":[{\"topic\":\"" + rf3
          + "\",\"partition\":0,\"replicas\":[3,1,2]}]}");
      tool(T + "reassign.ReassignPartitionsCommand", null, "--bootstrap-server", bootstrap,
          "--reassignment-json-file", plan.toString(), "--execute");
      String v = "";
      for (int i = 0; i < 300; i++) {
        v = tool(T + "reassign.ReassignPartitionsCommand", null, "--bootstrap-server", bootstrap,
            "--reassignment-json-file", plan.toString(), "--verify");
        if (v.contains("is complete")) break;
        Thread.sleep(200);
      }
      check(v.contains("is complete"), "verified:\n" + v);
      String list = tool(T + "reassign.ReassignPartitionsCommand", null, "--bootstrap-server",
          bootstrap, "--list");
      check(!list.contains(rf3 + "-0"), "still listed as reassigning:\n" + list);
      String d = tool(T + "TopicCommand", null, "--bootstrap-server", bootstrap, "--describe",
          "--topic", rf3);
      check(d.contains("Replicas: 3,1,2"), "replicas after the reassignment:\n" + d);
      java.nio.file.Files.delete(plan);
    });
  }

  public static void main(String[] args) throws Exception {
    bootstrap = args[0];
    Exit.setExitProcedure(ClientsJudge::exit);
    Exit.setHaltProcedure(ClientsJudge::exit);
    // Tools register shutdown hooks per run; in one JVM they would pile up.
    Exit.setShutdownHookAdder((name, runnable) -> {});
    Set<String> parts = new HashSet<>(List.of(args).subList(1, args.length));
    if (parts.contains("clients")) {
      run("producer: idempotent, every codec; consumer: assign", ClientsJudge::producerCodecs);
      run("consumer: classic group of two, commit; admin: group offsets", ClientsJudge::consumerGroup);
      run("admin: topics", ClientsJudge::adminTopics);
      run("admin: configs", ClientsJudge::adminConfigs);
      run("admin: describe cluster, authorized operations", ClientsJudge::describeCluster);
      run("admin: describe log dirs", ClientsJudge::describeLogDirs);
      run("admin: delete records, list offsets", ClientsJudge::deleteRecordsAndListOffsets);
      run("producer: transactions fail fast", ClientsJudge::transactionsFailFast);
    }
    if (parts.contains("tools")) toolsCases();
    if (parts.contains("quorum")) quorumCases();
    realOut.printf("%d passed, %d failed%n", passed, failed);
    realOut.flush();
    Runtime.getRuntime().halt(failed == 0 ? 0 : 1);
  }
}
