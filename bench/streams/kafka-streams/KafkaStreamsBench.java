// The two topologies of bench/streams/streams_bench.cc in Kafka Streams (Java), for the
// side-by-side run of streams_broker_bench.py:
//   map-filter:     mapValues (parse a number) -> filter (keep even) -> to
//   windowed-count: groupByKey -> 1 s tumbling windows -> count (in-memory window store,
//                   changelog on) -> toStream -> selectKey (the window's key) -> to
// It consumes RECORDS records already in INPUT (or arriving there) and prints the records per
// CPU-second of the whole JVM (all its threads: stream thread, clients, JIT, GC), measured from
// start() as streams_bench measures Eddy Streams, in the same line format.
//
//   java -cp CLASSES:LIBS/* KafkaStreamsBench BOOTSTRAP INPUT RECORDS TOPOLOGY CACHE_BYTES [LINGER_MS]
//
// CACHE_BYTES is statestore.cache.max.bytes: 0 forwards every window update as Eddy Streams
// does (it has no record cache); Kafka Streams' default (10 MiB) folds updates of one key.
// LINGER_MS sets the producer's linger.ms (Kafka Streams' default is 100; Eddy Streams' 5).
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;

public class KafkaStreamsBench {
  static Topology build(String which, String input, String output) {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> s = b.stream(input);
    if (which.equals("map-filter")) {
      s.mapValues(v -> Long.parseLong(v))
          .filter((k, v) -> v % 2 == 0)
          .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    } else if (which.equals("windowed-count")) {
      s.groupByKey()
          .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(1000)))
          .count(Materialized.as(Stores.inMemoryWindowStore(
              "counts", Duration.ofDays(1), Duration.ofMillis(1000), false)))
          .toStream()
          .selectKey((w, v) -> w.key())
          .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    } else {
      throw new IllegalArgumentException("unknown topology " + which);
    }
    return b.build();
  }

  // The stream thread's process-total: records taken from the input and run through the topology.
  // Looked up once (metrics() copies every metric), then read directly, so that polling it costs
  // the JVM about what reading Eddy Streams' counter costs its process.
  static Metric processTotal(KafkaStreams s) {
    for (java.util.Map.Entry<MetricName, ? extends Metric> e : s.metrics().entrySet()) {
      MetricName n = e.getKey();
      if (n.group().equals("stream-thread-metrics") && n.name().equals("process-total")) {
        return e.getValue();
      }
    }
    return null;
  }

  static double processed(Metric m) {
    return m == null ? 0 : ((Number) m.metricValue()).doubleValue();
  }

  static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e9;
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], input = args[1], which = args[3];
    long n = Long.parseLong(args[2]);
    Path stateDir = Files.createTempDirectory("kafka-streams-bench");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG,
        "kafka-streams-bench-" + which + "-" + ProcessHandle.current().pid());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);  // as streams_bench
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(args[4]));
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    if (args.length > 5) p.put(StreamsConfig.producerPrefix("linger.ms"), Integer.parseInt(args[5]));
    KafkaStreams s = new KafkaStreams(build(which, input, input + "-out-" + which + "-java"), p);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    s.setUncaughtExceptionHandler(e -> {
      failure.set(e);
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
    // Closed and its state removed on any exit: the end of a measured run, or SIGTERM, which
    // ends the latency run's (open-ended) process.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      s.close(Duration.ofSeconds(30));
      try (Stream<Path> w = Files.walk(stateDir)) {
        w.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (java.io.IOException e) {
        System.err.println("state dir: " + e);
      }
    }));
    double c0 = cpuSeconds();
    long w0 = System.nanoTime();
    s.start();
    Metric total = null;
    while ((total == null || processed(total) < n) && failure.get() == null
        && s.state() != KafkaStreams.State.ERROR && s.state() != KafkaStreams.State.NOT_RUNNING) {
      if (total == null) total = processTotal(s);
      Thread.sleep(5);
    }
    double cpu = cpuSeconds() - c0, wall = (System.nanoTime() - w0) / 1e9;
    long done = (long) processed(total);
    if (failure.get() != null || done < n) {
      System.err.println("error: processed " + done + " of " + n + ", state " + s.state());
      if (failure.get() != null) failure.get().printStackTrace();
      System.exit(1);
    }
    System.out.printf("%-10s %-15s records %10d  cpu %7.3f s  wall %7.3f s  %10.0f records/cpu-s%n",
        "kstreams", which, n, cpu, wall, n / cpu);
    System.exit(0);
  }
}
