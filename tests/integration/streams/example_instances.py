"""Instances of a Streams example (build/bin/streams_*) for the integration tests: started with
their log and state dir under a temporary directory, waited for, stopped cleanly."""

import os
import signal
import subprocess
import time


def read(path):
    with open(path) as f:
        return f.read()


def start(binary, bootstrap, tmp, name, args, log_name=None):
    """Starts one instance with state dir TMP/NAME and its output in TMP/LOG_NAME.log (NAME.log
    by default); returns (process, open log file)."""
    log = open(os.path.join(tmp, (log_name or name) + ".log"), "w")
    proc = subprocess.Popen([binary, "--bootstrap", bootstrap] + args +
                            ["--state-dir", os.path.join(tmp, name), "--commit-interval-ms", "500"],
                            stdout=log, stderr=subprocess.STDOUT)
    return proc, log


def wait_tasks(procs, timeout_s):
    """True once every instance has printed the tasks it runs (a "tasks" line), bounded."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if all("\ntasks " in "\n" + read(log.name) for _, log in procs):
            return True
        time.sleep(0.2)
    return False


def stop_all(test, procs):
    """SIGTERM to each instance; each must exit 0."""
    for proc, log in procs:
        proc.send_signal(signal.SIGTERM)
        test.assertEqual(proc.wait(60), 0, read(log.name))
        log.close()
