// A Kafka Streams (Java) application run against eddyd by test_kafka_streams.py: word count and
// a windowed word count (1-hour tumbling windows by record time, with 6 hours of grace since the
// test sends records out of time order), both in RocksDB stores with changelogs, at-least-once,
// the record cache off so that every update reaches the output.
//
//   java -cp LIBS/* KafkaStreamsWordCount.java BOOTSTRAP APP_ID STATE_DIR INPUT COUNTS WINDOWED
//
// COUNTS gets word -> count (a long); WINDOWED gets "word@window-start-ms" -> count. The state
// listener prints "state NAME" lines, which the test reads to know the instance is RUNNING.
// SIGTERM closes the application cleanly; SIGKILL is the crash the test inflicts.
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;

public class KafkaStreamsWordCount {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], appId = args[1], stateDir = args[2];
    String input = args[3], counts = args[4], windowed = args[5];

    StreamsBuilder b = new StreamsBuilder();
    KGroupedStream<String, String> words =
        b.<String, String>stream(input)
            .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split("\\s+")))
            .filter((k, w) -> !w.isEmpty())
            .groupBy((k, w) -> w);
    words.count(Materialized.as("word-counts"))
        .toStream()
        .to(counts, Produced.with(Serdes.String(), Serdes.Long()));
    words.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofHours(1), Duration.ofHours(6)))
        .count(Materialized.as("windowed-counts"))
        .toStream()
        .map((w, n) -> KeyValue.pair(w.key() + "@" + w.window().start(), n))
        .to(windowed, Produced.with(Serdes.String(), Serdes.Long()));

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 500);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // A killed instance's tasks move to the other one after this, not after the 45 s default.
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);

    KafkaStreams streams = new KafkaStreams(b.build(), p);
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((now, before) -> {
      System.out.println("state " + now);
      System.out.flush();
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
        done.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      boolean closed = streams.close(Duration.ofSeconds(30));
      // close() returns once the state is NOT_RUNNING, which Kafka Streams sets before it calls
      // the listener on its close thread: the JVM may halt before the listener prints it.
      System.out.println("closed " + closed + ", state " + streams.state());
      System.out.flush();
      done.countDown();
    }));
    streams.start();
    done.await();
    System.exit(streams.state() == KafkaStreams.State.ERROR ? 1 : 0);
  }
}
