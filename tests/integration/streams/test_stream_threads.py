"""num.stream.threads with the word count against eddyd: one instance with 2 stream threads
spreads its 8 tasks over both (each thread a member of the group with its own tasks) and counts
exactly; with a second instance of 2 threads joining, the 4 threads share the tasks and the counts
stay exact."""

import signal
import time
import unittest

import test_word_count as wc

LINES = 10000  # 50,000 words


class StreamThreads(wc.Harness):
    def start_instance(self, name, extra=()):
        return super().start_instance(name, ["--num-stream-threads", "2"] + list(extra))

    def threads_of(self, p):
        """{thread: [tasks]} from the instance's last "thread StreamThread-n tasks ..." lines."""
        out = {}
        for l in self.log_of(p).splitlines():
            if l.startswith("thread "):
                words = l.split()
                out[words[1]] = words[3:]
        return out

    def wait_threads(self, instances, per_instance):
        """Until every thread of `instances` runs tasks and all of them are spread over them."""
        deadline = time.time() + wc.WAIT_S
        while time.time() < deadline:
            threads = [self.threads_of(p) for p in instances]
            tasks = [t for th in threads for ts in th.values() for t in ts]
            if (all(len(th) == per_instance and all(th.values()) for th in threads)
                    and sorted(tasks) == sorted(set(tasks)) and len(tasks) == 2 * wc.PARTITIONS):
                return threads
            time.sleep(0.2)
        self.fail("tasks not spread over the threads: %s" % [self.log_of(p) for p in instances])

    def test_tasks_spread_over_threads(self):
        a = self.start_instance("a")
        self.wait_tasks([a])
        self.wait_threads([a], 2)
        self.produce(0, LINES // 2)
        b = self.start_instance("b")
        self.wait_threads([a, b], 2)
        self.produce(LINES // 2, LINES)
        self.wait_all_committed([a, b])
        self.assertEqual(self.read_counts(), wc.expected_counts(LINES))
        for p in (a, b):
            p.send_signal(signal.SIGTERM)
        for p in (a, b):
            self.assertEqual(p.wait(60), 0, self.log_of(p))


if __name__ == "__main__":
    unittest.main()
