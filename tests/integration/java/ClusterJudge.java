// Kafka's Java client and tools as judges of a three-node eddyd cluster (nodes 1, 2 and 3, each
// broker and controller): DeleteRecords on RF=3 topics, what the admin calls and
// kafka-reassign-partitions see while a reassignment is in progress, preferred and unclean
// leader elections after brokers went down, and an idempotent producer across a leader kill.
// Run by test_java_cluster_admin.py, compiled with ClientsJudge.java (whose case runner, tool
// runner and clients it uses):
//
//   java -cp CLASSES:'build/kafka/libs/*' ClusterJudge BOOTSTRAP
//
// The harness stops and starts nodes: the judge prints "ask kill9 N", "ask start N" or
// "ask log-starts TOPIC" and reads the harness's one-line answer ("done", or "1=6 2=6 3=6": each
// node's own log start offset of TOPIC-0 as its partition.checkpoint records it). At most one
// node is down at a time, so the controller quorum keeps a majority.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterPartitionReassignmentsOptions;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeReplicaLogDirsResult.ReplicaLogDirInfo;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.EligibleLeadersNotAvailableException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PreferredLeaderNotAvailableException;
import org.apache.kafka.common.utils.internals.Exit;

public class ClusterJudge {
  static final String T = ClientsJudge.T;
  static BufferedReader harness;

  static final long t0 = System.nanoTime();

  /** A progress line for the test's output (it shows where a failing case stopped). */
  static void note(String what) {
    ClientsJudge.realOut.printf("  at %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, what);
  }

  /** Asks the harness to act on the cluster; returns its answer. */
  static String ask(String what) throws Exception {
    ClientsJudge.realOut.println("ask " + what);
    ClientsJudge.realOut.flush();
    String answer = harness.readLine();
    if (answer == null) throw new AssertionError("the harness went away during: " + what);
    return answer;
  }

  static <T> T waitFor(Callable<T> probe, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Object last = null;
    while (System.nanoTime() < deadline) {
      try {
        T got = probe.call();
        if (got != null && !Boolean.FALSE.equals(got)) return got;
        last = got;
      } catch (ExecutionException e) {
        last = e.getCause(); // a node just stopped or still starting: ask again
      }
      Thread.sleep(200);
    }
    throw new AssertionError("timed out after " + seconds + " s waiting for " + what
        + " (last: " + last + ")");
  }

  static TopicPartitionInfo partition(Admin a, String topic) throws Exception {
    return a.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
        .get(topic).partitions().get(0);
  }

  static List<Integer> ids(Collection<Node> nodes) {
    return nodes.stream().map(Node::id).sorted().collect(Collectors.toList());
  }

  static List<Integer> ordered(Collection<Node> nodes) {
    return nodes.stream().map(Node::id).collect(Collectors.toList());
  }

  /** Waits for partition 0's leader and (sorted) ISR, as the admin describes them. */
  static TopicPartitionInfo waitState(Admin a, String topic, Integer leader, List<Integer> isr)
      throws Exception {
    return waitFor(() -> {
      TopicPartitionInfo p = partition(a, topic);
      Integer l = p.leader() == null || p.leader().id() < 0 ? null : p.leader().id();
      boolean ok = (leader == null ? l == null : leader.equals(l)) && ids(p.isr()).equals(isr);
      return ok ? p : null;
    }, 60, topic + "-0 led by " + leader + " with ISR " + isr);
  }

  /** A topic with partition 0 on `replicas` (the first preferred), once every one can hold it. */
  static void create(Admin a, String topic, List<Integer> replicas, Map<String, String> configs)
      throws Exception {
    a.createTopics(List.of(new NewTopic(topic, Map.of(0, replicas)).configs(configs)))
        .all().get(30, TimeUnit.SECONDS);
    waitState(a, topic, replicas.get(0), replicas.stream().sorted().collect(Collectors.toList()));
  }

  static void produce(String topic, int from, int count) throws Exception {
    try (KafkaProducer<String, String> p = ClientsJudge.producer("none", Map.of())) {
      List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        fs.add(p.send(new ProducerRecord<>(topic, 0, null, "v" + i)));
      }
      p.flush();
      for (var f : fs) f.get(30, TimeUnit.SECONDS);
    }
  }

  static long offset(Admin a, String topic, OffsetSpec spec) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return a.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
  }

  static <X extends Throwable> void fails(Class<X> want, Callable<?> call, String what)
      throws Exception {
    try {
      Object got = call.call();
      throw new AssertionError(what + ": succeeded with " + got + ", want " + want.getSimpleName());
    } catch (ExecutionException e) {
      ClientsJudge.check(want.isInstance(e.getCause()),
          what + ": want " + want.getSimpleName() + ", got " + e.getCause());
    }
  }

  /** ElectLeaders for partition 0 of `topic`: the partition's outcome (empty: elected). */
  static Optional<Throwable> elect(Admin a, ElectionType type, String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return a.electLeaders(type, Set.of(tp)).partitions().get(30, TimeUnit.SECONDS).get(tp);
  }

  static String electionTool(String type, String topic) throws Exception {
    return ClientsJudge.tool(T + "LeaderElectionCommand", null, "--bootstrap-server",
        ClientsJudge.bootstrap, "--election-type", type, "--topic", topic, "--partition", "0");
  }

  // ---- 1. DeleteRecords on RF=3 ---------------------------------------------------------------

  static void deleteRecords() throws Exception {
    String topic = "rf3-delete-records";
    TopicPartition tp = new TopicPartition(topic, 0);
    try (Admin a = ClientsJudge.admin()) {
      create(a, topic, List.of(1, 2, 3), Map.of());
      note("created " + topic);
      produce(topic, 0, 10);
      note("produced");
      long low = a.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(6))).lowWatermarks()
          .get(tp).get(30, TimeUnit.SECONDS).lowWatermark();
      ClientsJudge.checkEq(6L, low, "low watermark");
      note("deleted");
      // The answer comes once every replica has moved its log start (Kafka's low watermark).
      ClientsJudge.checkEq("1=6 2=6 3=6", ask("log-starts " + topic), "each replica's log start");
      ClientsJudge.checkEq(6L, offset(a, topic, OffsetSpec.earliest()), "ListOffsets EARLIEST");
      ClientsJudge.checkEq(10L, offset(a, topic, OffsetSpec.latest()), "ListOffsets LATEST");
      try (KafkaConsumer<String, String> c = ClientsJudge.consumer(null)) {
        ClientsJudge.checkEq(Map.of(tp, 6L), c.beginningOffsets(List.of(tp)), "beginningOffsets");
      }
      // Beyond the high watermark: OFFSET_OUT_OF_RANGE, as Kafka answers; nothing moves.
      fails(OffsetOutOfRangeException.class, () -> a.deleteRecords(
          Map.of(tp, RecordsToDelete.beforeOffset(11))).lowWatermarks().get(tp).get(),
          "DeleteRecords beyond the high watermark");
      ClientsJudge.checkEq(6L, offset(a, topic, OffsetSpec.earliest()), "EARLIEST after refusal");
      // -1: up to the high watermark.
      low = a.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp)
          .get(30, TimeUnit.SECONDS).lowWatermark();
      ClientsJudge.checkEq(10L, low, "low watermark of beforeOffset(-1)");
      ClientsJudge.checkEq("1=10 2=10 3=10", ask("log-starts " + topic), "log starts at the HW");
    }
  }

  // ---- 3. Describe calls during a reassignment ---------------------------------------------

  static String reassignTool(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--bootstrap-server", ClientsJudge.bootstrap));
    all.addAll(List.of(args));
    return ClientsJudge.tool(T + "reassign.ReassignPartitionsCommand", null,
        all.toArray(new String[0]));
  }

  static java.nio.file.Path plan(String topic, List<Integer> replicas) throws Exception {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("reassign", ".json");
    java.nio.file.Files.writeString(f, "{\"version\":1,\"partitions\":[{\"topic\":\"" + topic
        + "\",\"partition\":0,\"replicas\":" + replicas.toString().replace(" ", "") + "}]}");
    return f;
  }

  static void describeDuringReassignment() throws Exception {
    String topic = "rf2-moving";
    String cancelled = "rf2-cancelled";
    TopicPartition tp = new TopicPartition(topic, 0);
    TopicPartition ctp = new TopicPartition(cancelled, 0);
    try (Admin a = ClientsJudge.admin()) {
      for (String t : List.of(topic, cancelled)) {
        create(a, t, List.of(1, 2), Map.of());
        produce(t, 0, 20);
      }
      // With node 3 down, the replica added there cannot catch up: the reassignment stays in
      // progress while the calls below look at it.
      ask("kill9 3");
      waitFor(() -> ids(a.describeCluster().nodes().get()).equals(List.of(1, 2)), 60,
          "DescribeCluster without the fenced node 3");
      Collection<Node> all = a.describeCluster(
          new DescribeClusterOptions().includeFencedBrokers(true)).nodes().get();
      ClientsJudge.checkEq(List.of(1, 2, 3), ids(all), "DescribeCluster with fenced brokers");
      ClientsJudge.checkEq(List.of(3), all.stream().filter(Node::isFenced).map(Node::id)
          .collect(Collectors.toList()), "the fenced node");
      a.alterPartitionReassignments(Map.of(
          tp, Optional.of(new NewPartitionReassignment(List.of(2, 3))),
          ctp, Optional.of(new NewPartitionReassignment(List.of(2, 3)))))
          .all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, PartitionReassignment> r = waitFor(() -> {
        var m = a.listPartitionReassignments().reassignments().get();
        return m.size() == 2 ? m : null;
      }, 30, "the reassignments to be listed");
      PartitionReassignment pr = r.get(tp);
      // Kafka's order: the target replicas, then those being removed.
      ClientsJudge.checkEq(List.of(2, 3, 1), pr.replicas(), "replicas while reassigning");
      ClientsJudge.checkEq(List.of(3), pr.addingReplicas(), "adding replicas");
      ClientsJudge.checkEq(List.of(1), pr.removingReplicas(), "removing replicas");
      TopicPartitionInfo p = partition(a, topic);
      ClientsJudge.checkEq(List.of(2, 3, 1), ordered(p.replicas()), "described replicas");
      ClientsJudge.checkEq(List.of(1, 2), ids(p.isr()), "described ISR");
      ClientsJudge.checkEq(1, p.leader().id(), "leader while reassigning");
      var dirs = a.describeReplicaLogDirs(List.of(new TopicPartitionReplica(topic, 0, 1),
          new TopicPartitionReplica(topic, 0, 2))).all().get(30, TimeUnit.SECONDS);
      for (var e : dirs.entrySet()) {
        ReplicaLogDirInfo info = e.getValue();
        ClientsJudge.check(info.getCurrentReplicaLogDir() != null, "log dir of " + e.getKey());
        ClientsJudge.checkEq(0L, info.getCurrentReplicaOffsetLag(), "offset lag of " + e.getKey());
        ClientsJudge.checkEq(null, info.getFutureReplicaLogDir(), "future dir of " + e.getKey());
      }
      // kafka-reassign-partitions sees both in progress, and cancels one.
      java.nio.file.Path movingPlan = plan(topic, List.of(2, 3));
      java.nio.file.Path cancelPlan = plan(cancelled, List.of(2, 3));
      String out = reassignTool("--reassignment-json-file", movingPlan.toString(), "--verify");
      ClientsJudge.check(out.contains("Reassignment of partition " + topic
          + "-0 is still in progress."), "--verify:\n" + out);
      out = reassignTool("--list");
      for (String t : List.of(topic, cancelled)) {
        ClientsJudge.check(out.contains(t + "-0: replicas: 2,3,1. adding: 3. removing: 1."),
            "--list:\n" + out);
      }
      // --preserve-throttles: clearing them alters every plan broker's config, node 3's too,
      // which cannot answer while it is down (with Kafka as with Eddy).
      String cancelOut = reassignTool("--reassignment-json-file", cancelPlan.toString(),
          "--cancel", "--preserve-throttles");
      ClientsJudge.check(cancelOut.contains("Successfully cancelled partition reassignment for: "
          + cancelled + "-0"), "--cancel:\n" + cancelOut);
      java.nio.file.Files.delete(cancelPlan);
      waitFor(() -> a.listPartitionReassignments().reassignments().get().keySet()
          .equals(Set.of(tp)), 30, "only " + topic + " reassigning after the cancel");
      // Kafka's revert: the replicas as they were listed, less the adding ones.
      TopicPartitionInfo c = waitState(a, cancelled, 1, List.of(1, 2));
      ClientsJudge.checkEq(List.of(2, 1), ordered(c.replicas()), "replicas after the cancel");
      // KIP-860: a reassignment that changes the replication factor, refused when not allowed.
      fails(InvalidReplicationFactorException.class, () -> a.alterPartitionReassignments(
          Map.of(ctp, Optional.of(new NewPartitionReassignment(List.of(1, 2, 3)))),
          new AlterPartitionReassignmentsOptions().allowReplicationFactorChange(false))
          .all().get(30, TimeUnit.SECONDS), "a replication factor change not allowed");
      ClientsJudge.checkEq(Set.of(tp), a.listPartitionReassignments().reassignments().get()
          .keySet(), "reassigning after the refusal");
      // Node 3 back: it catches up, the reassignment completes and node 1's replica goes.
      ask("start 3");
      waitFor(() -> a.listPartitionReassignments().reassignments().get().isEmpty(), 60,
          "the reassignment to complete");
      out = reassignTool("--reassignment-json-file", movingPlan.toString(), "--verify");
      java.nio.file.Files.delete(movingPlan);
      ClientsJudge.check(out.contains("Reassignment of partition " + topic + "-0 is completed."),
          "--verify:\n" + out);
      p = waitState(a, topic, 2, List.of(2, 3));
      ClientsJudge.checkEq(List.of(2, 3), ordered(p.replicas()), "replicas after");
      waitFor(() -> ids(a.describeCluster().nodes().get()).equals(List.of(1, 2, 3)), 60,
          "DescribeCluster with node 3 again");
      var after = waitFor(() -> {
        var m = a.describeReplicaLogDirs(List.of(new TopicPartitionReplica(topic, 0, 1),
            new TopicPartitionReplica(topic, 0, 3))).all().get(30, TimeUnit.SECONDS);
        return m.get(new TopicPartitionReplica(topic, 0, 1)).getCurrentReplicaLogDir() == null
            ? m : null;
      }, 60, "node 1's replica to be deleted");
      ReplicaLogDirInfo on3 = after.get(new TopicPartitionReplica(topic, 0, 3));
      ClientsJudge.check(on3.getCurrentReplicaLogDir() != null, "node 3 hosts the replica");
      ClientsJudge.checkEq(0L, on3.getCurrentReplicaOffsetLag(), "node 3's offset lag");
      ClientsJudge.checkEq(20L, offset(a, topic, OffsetSpec.latest()), "records kept");
    }
  }

  // ---- 2. Leader elections -------------------------------------------------------------------

  static void preferredElections() throws Exception {
    try (Admin a = ClientsJudge.admin()) {
      for (String t : List.of("prefer-tool", "prefer-admin")) {
        create(a, t, List.of(1, 2, 3), Map.of());
      }
      ask("kill9 1");
      for (String t : List.of("prefer-tool", "prefer-admin")) {
        waitFor(() -> {
          TopicPartitionInfo p = partition(a, t);
          return p.leader() != null && p.leader().id() > 1 && ids(p.isr()).equals(List.of(2, 3));
        }, 60, t + "'s leadership to move off node 1");
      }
      ask("start 1");
      for (String t : List.of("prefer-tool", "prefer-admin")) {
        waitFor(() -> ids(partition(a, t).isr()).equals(List.of(1, 2, 3)), 60, t + " in sync");
        ClientsJudge.check(partition(a, t).leader().id() != 1, t + " still led elsewhere");
      }
      ClientsJudge.checkEq(Optional.empty(), elect(a, ElectionType.PREFERRED, "prefer-admin"),
          "AdminClient preferred election");
      waitState(a, "prefer-admin", 1, List.of(1, 2, 3));
      // Every partition (ElectLeaders with a null list): prefer-tool's, not prefer-admin's.
      String out = ClientsJudge.tool(T + "LeaderElectionCommand", null, "--bootstrap-server",
          ClientsJudge.bootstrap, "--election-type", "preferred", "--all-topic-partitions");
      ClientsJudge.check(out.contains("Successfully completed leader election (PREFERRED) for "
          + "partitions ") && out.contains("prefer-tool-0") && !out.contains("prefer-admin-0"),
          "tool output:\n" + out);
      for (String t : List.of("prefer-tool", "prefer-admin")) waitState(a, t, 1, List.of(1, 2, 3));
      // Again: nothing to do, which the tool reports and the admin gets as ELECTION_NOT_NEEDED.
      out = electionTool("preferred", "prefer-tool");
      ClientsJudge.check(out.contains("Valid replica already elected for partitions prefer-tool-0"),
          "tool output:\n" + out);
      Optional<Throwable> again = elect(a, ElectionType.PREFERRED, "prefer-admin");
      ClientsJudge.check(again.isPresent() && again.get() instanceof ElectionNotNeededException,
          "ELECTION_NOT_NEEDED, got " + again);
    }
  }

  /** The topics of kafka-topics --describe's partition lines. */
  static Set<String> describedTopics(String out) {
    return out.lines().filter(l -> l.contains("Partition: "))
        .map(l -> l.replaceAll("^\\s*Topic: (\\S+).*$", "$1")).collect(Collectors.toSet());
  }

  static final String ON = "unclean-on";
  static final String TOOL = "unclean-tool";
  static final String ADMIN = "unclean-admin";
  static final String LONE = "unclean-lone";
  static final String SAFE = "unclean-min-isr-2";

  static void uncleanElections() throws Exception {
    Map<String, String> on = Map.of("unclean.leader.election.enable", "true");
    try (Admin a = ClientsJudge.admin()) {
      create(a, ON, List.of(1, 2), on);
      for (String t : List.of(TOOL, ADMIN)) create(a, t, List.of(1, 2), Map.of());
      // A partition whose only replica is on node 1: no replica to elect when node 1 is down.
      create(a, LONE, List.of(1), on);
      // min.insync.replicas 2: acks=all is refused once the ISR is the leader alone.
      create(a, SAFE, List.of(1, 2), Map.of("unclean.leader.election.enable", "true",
          "min.insync.replicas", "2"));
      for (String t : List.of(ON, TOOL, ADMIN, SAFE)) produce(t, 0, 3);
      // Node 2 stops and leaves the ISR; acknowledged records follow that it never had.
      ask("kill9 2");
      for (String t : List.of(ON, TOOL, ADMIN, SAFE)) waitState(a, t, 1, List.of(1));
      for (String t : List.of(ON, TOOL, ADMIN)) produce(t, 3, 5);
      try (KafkaProducer<String, String> p = ClientsJudge.producer("none",
          Map.of("enable.idempotence", "false", "retries", "0"))) {
        fails(NotEnoughReplicasException.class,
            () -> p.send(new ProducerRecord<>(SAFE, 0, null, "refused")).get(30, TimeUnit.SECONDS),
            "acks=all below min.insync.replicas");
      }
      // The only ISR member goes; node 2 comes back.
      ask("kill9 1");
      ask("start 2");
      // unclean.leader.election.enable: the controller elects node 2 by itself.
      waitState(a, ON, 2, List.of(2));
      waitState(a, SAFE, 2, List.of(2));
      // Without it the partitions stay leaderless (ISR: the down node 1), and a preferred
      // election cannot help: node 1, the preferred replica, is down.
      for (String t : List.of(TOOL, ADMIN)) waitState(a, t, null, List.of(1));
      waitState(a, LONE, null, List.of(1));
      // kafka-topics' health filters over the same partitions (regex "unclean-.*").
      String unavailable = ClientsJudge.tool(T + "TopicCommand", null, "--bootstrap-server",
          ClientsJudge.bootstrap, "--describe", "--topic", "unclean-.*",
          "--unavailable-partitions");
      ClientsJudge.checkEq(Set.of(TOOL, ADMIN, LONE), describedTopics(unavailable),
          "--unavailable-partitions:\n" + unavailable);
      String under = ClientsJudge.tool(T + "TopicCommand", null, "--bootstrap-server",
          ClientsJudge.bootstrap, "--describe", "--topic", "unclean-.*",
          "--under-replicated-partitions");
      ClientsJudge.checkEq(Set.of(ON, TOOL, ADMIN, SAFE), describedTopics(under),
          "--under-replicated-partitions:\n" + under);
      Optional<Throwable> pref = elect(a, ElectionType.PREFERRED, TOOL);
      ClientsJudge.check(
          pref.isPresent() && pref.get() instanceof PreferredLeaderNotAvailableException,
          "PREFERRED_LEADER_NOT_AVAILABLE, got " + pref);
      // An explicit unclean election elects a live replica outside the ISR whatever the topic's
      // setting (Kafka's ReplicationControlManager.electLeader).
      String out = electionTool("unclean", TOOL);
      ClientsJudge.check(out.contains("Successfully completed leader election (UNCLEAN) for "
          + "partitions " + TOOL + "-0"), "tool output:\n" + out);
      ClientsJudge.checkEq(Optional.empty(), elect(a, ElectionType.UNCLEAN, ADMIN),
          "AdminClient unclean election");
      for (String t : List.of(TOOL, ADMIN)) waitState(a, t, 2, List.of(2));
      // Already led: ELECTION_NOT_NEEDED.
      Optional<Throwable> again = elect(a, ElectionType.UNCLEAN, ON);
      ClientsJudge.check(again.isPresent() && again.get() instanceof ElectionNotNeededException,
          "ELECTION_NOT_NEEDED, got " + again);
      // No live replica at all: refused with ELIGIBLE_LEADERS_NOT_AVAILABLE.
      Optional<Throwable> none = elect(a, ElectionType.UNCLEAN, LONE);
      ClientsJudge.check(
          none.isPresent() && none.get() instanceof EligibleLeadersNotAvailableException,
          "ELIGIBLE_LEADERS_NOT_AVAILABLE, got " + none);
      // What an unclean election loses (docs/broker.md): the 5 records acknowledged while node 2
      // was away; the 3 it had survive.
      for (String t : List.of(ON, TOOL, ADMIN)) {
        ClientsJudge.checkEq(3L, offset(a, t, OffsetSpec.latest()), t + " high watermark");
        ClientsJudge.checkEq(0L, offset(a, t, OffsetSpec.earliest()), t + " log start");
      }
      // Node 1 returns as a follower of the new leader's history: it truncates to it.
      ask("start 1");
      for (String t : List.of(ON, TOOL, ADMIN)) waitState(a, t, 2, List.of(1, 2));
      for (String t : List.of(ON, TOOL, ADMIN)) {
        ClientsJudge.checkEq(3L, offset(a, t, OffsetSpec.latest()), t + " after node 1 is back");
      }
      // With min.insync.replicas 2 nothing acknowledged was lost: the refused record never was,
      // the 3 that were are all on node 2. (Its high watermark does not move while its ISR is
      // below min.insync.replicas, as Kafka's since KIP-966: they show once node 1 is back.)
      waitState(a, SAFE, 2, List.of(1, 2));
      ClientsJudge.checkEq(3L, waitFor(() -> {
        long hw = offset(a, SAFE, OffsetSpec.latest());
        return hw == 3 ? hw : null;
      }, 30, SAFE + "'s high watermark to reach 3"), SAFE + " high watermark");
    }
  }

  // ---- Idempotent producer across a failover ----------------------------------------------

  /**
   * An idempotent acks=all producer keeps sending while the leader is killed: every send
   * succeeds (no OutOfOrderSequence or UnknownProducerId: the followers kept the producer
   * state), and the partition holds each record exactly once, in order.
   */
  static void idempotentAcrossFailover() throws Exception {
    String topic = "rf3-idempotent";
    TopicPartition tp = new TopicPartition(topic, 0);
    int n = 4000;
    try (Admin a = ClientsJudge.admin()) {
      create(a, topic, List.of(1, 2, 3), Map.of("min.insync.replicas", "2"));
      List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> fs =
          new ArrayList<>();
      int killed;
      try (KafkaProducer<String, String> p = ClientsJudge.producer("none", Map.of(
          "max.in.flight.requests.per.connection", "5", "linger.ms", "1",
          "batch.size", "2048", "delivery.timeout.ms", "120000"))) {
        for (int i = 0; i < n / 2; i++) {
          fs.add(p.send(new ProducerRecord<>(topic, 0, null, "v" + i)));
        }
        killed = partition(a, topic).leader().id();
        // Batches are in flight to the leader as it goes.
        long acked = fs.stream().filter(java.util.concurrent.Future::isDone).count();
        ask("kill9 " + killed);
        note(acked + " of " + fs.size() + " sends acknowledged when node " + killed
            + " was killed");
        for (int i = n / 2; i < n; i++) {
          fs.add(p.send(new ProducerRecord<>(topic, 0, null, "v" + i)));
        }
        p.flush();
        for (var f : fs) f.get(60, TimeUnit.SECONDS);
      }
      ask("start " + killed);
      ClientsJudge.checkEq((long) n, offset(a, topic, OffsetSpec.latest()), "records appended");
      try (KafkaConsumer<String, String> c = ClientsJudge.consumer(null)) {
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        var got = ClientsJudge.readAll(c, n, Duration.ofSeconds(60));
        ClientsJudge.checkEq(n, got.size(), "records read");
        for (int i = 0; i < n; i++) {
          ClientsJudge.checkEq("v" + i, got.get(i).value(), "record " + i);
        }
      }
      waitFor(() -> ids(partition(a, topic).isr()).equals(List.of(1, 2, 3)), 60,
          "the restarted node back in the ISR");
    }
  }

  public static void main(String[] args) throws Exception {
    ClientsJudge.bootstrap = args[0];
    harness = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Exit.setExitProcedure(ClientsJudge::exit);
    Exit.setHaltProcedure(ClientsJudge::exit);
    Exit.setShutdownHookAdder((name, runnable) -> {});
    ClientsJudge.run("admin: delete records on RF=3, every replica's log start",
        ClusterJudge::deleteRecords);
    ClientsJudge.run("admin: describe calls during a reassignment",
        ClusterJudge::describeDuringReassignment);
    ClientsJudge.run("kafka-leader-election and admin: preferred",
        ClusterJudge::preferredElections);
    ClientsJudge.run("producer: idempotent across a leader kill -9",
        ClusterJudge::idempotentAcrossFailover);
    ClientsJudge.run("kafka-leader-election and admin: unclean", ClusterJudge::uncleanElections);
    ClientsJudge.realOut.printf("%d passed, %d failed%n", ClientsJudge.passed, ClientsJudge.failed);
    ClientsJudge.realOut.flush();
    Runtime.getRuntime().halt(ClientsJudge.failed == 0 ? 0 : 1);
  }
}
