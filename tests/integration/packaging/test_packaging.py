"""Eddy installs and runs like a service (issue 20): `cmake --install` lays out the binaries, the
default config, the docs and a systemd unit that `systemd-analyze verify` accepts; the container
file builds with the scripts CI uses and installs every library the binaries link; the broker
package set alone configures eddyd and eddyctl without tests or benchmarks."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.environ.get("EDDY_BUILD_DIR") or os.path.join(REPO, "build")


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=kw.pop("timeout", 120), **kw)


def unit_settings(text):
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            k, v = line.split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="eddy-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        cls.result = run(["cmake", "--install", BUILD, "--prefix", cls.prefix])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.prefix, *parts)

    def test_install_lays_out_binaries_config_docs_and_unit(self):
        self.assertEqual(self.result.returncode, 0, self.result.stdout)
        for f in ["bin/eddyd", "bin/eddyctl", "etc/eddy/eddy.yaml", "share/doc/eddy/README.md",
                  "share/doc/eddy/operations.md", "share/doc/eddy/eddyctl.md",
                  "lib/systemd/system/eddyd.service", "lib/sysusers.d/eddy.conf"]:
            self.assertTrue(os.path.isfile(self.path(f)), f)
        for b in ["eddyd", "eddyctl"]:
            r = run([self.path("bin", b), "--version"])
            self.assertEqual(r.returncode, 0, r.stdout)
            self.assertTrue(r.stdout.startswith(b + " "), r.stdout)

    def test_installed_config_is_valid(self):
        # `format` loads and validates the config, then writes meta.properties to log.dirs.
        data = os.path.join(self.tmp, "data")
        r = run([self.path("bin", "eddyd"), "format", "--cluster-id", "MkU3OEVBNTcwNTJENDM2Qg",
                 "--config", self.path("etc", "eddy", "eddy.yaml"),
                 "--override", "log.dirs=" + data])
        self.assertEqual(r.returncode, 0, r.stdout)

    def test_unit_passes_systemd_analyze_verify(self):
        unit = self.path("lib", "systemd", "system", "eddyd.service")
        r = run(["systemd-analyze", "verify", unit])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(r.stdout.strip(), "", "systemd-analyze warns:\n" + r.stdout)

    def test_unit_stops_cleanly_as_a_dedicated_user(self):
        with open(self.path("lib", "systemd", "system", "eddyd.service")) as f:
            s = unit_settings(f.read())
        self.assertEqual(s["ExecStart"][0].split()[0], self.path("bin", "eddyd"))
        self.assertIn(self.path("etc", "eddy", "eddy.yaml"), s["ExecStart"][0])
        self.assertEqual(s["KillSignal"], ["SIGTERM"])
        self.assertGreaterEqual(int(s["LimitNOFILE"][0]), 100000)
        self.assertEqual(s["User"], ["eddy"])
        with open(self.path("lib", "sysusers.d", "eddy.conf")) as f:
            self.assertRegex(f.read(), r"(?m)^u eddy ")
        # The stop timeout covers the broker's own shutdown.timeout.ms.
        r = run([self.path("bin", "eddyd"), "--print-config-docs"])
        default_ms = int(re.search(r"\| `shutdown.timeout.ms` \| long \| `(\d+)`", r.stdout)[1])
        self.assertGreater(int(s["TimeoutStopSec"][0]) * 1000, default_ms)


class DockerfileTest(unittest.TestCase):
    """hadolint is not in Debian and docker may not run here: the file is parsed and checked."""

    KNOWN = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
             "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(REPO, "packaging", "Dockerfile")) as f:
            text = f.read()
        cls.instructions = []
        for line in re.sub(r"\\\n", " ", text).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                word, _, rest = line.partition(" ")
                cls.instructions.append((word, rest.strip()))

    def test_every_instruction_parses(self):
        self.assertTrue(self.instructions)
        self.assertEqual(self.instructions[0][0], "FROM")
        for word, rest in self.instructions:
            self.assertIn(word, self.KNOWN)
            self.assertEqual(word, word.upper())
            if word in ("CMD", "ENTRYPOINT", "VOLUME"):
                self.assertIsInstance(json.loads(rest), list, rest)
            if word == "FROM":
                self.assertRegex(rest, r"^debian:12(-slim)?( AS \w+)?$")

    def test_builds_with_the_ci_scripts_broker_set_only(self):
        runs = " ".join(rest for word, rest in self.instructions if word == "RUN")
        self.assertIn("scripts/setup broker", runs)
        self.assertIn('EDDY_TARGETS="eddyd eddyctl" scripts/build', runs)
        self.assertIn("cmake --install build", runs)
        with open(os.path.join(REPO, "scripts", "run")) as f:
            script = f.read()
        self.assertIn("scripts/setup broker", script)
        self.assertIn('EDDY_TARGETS="eddyd eddyctl" scripts/build', script)

    def test_runtime_stage_installs_every_linked_library(self):
        runs = " ".join(rest for word, rest in self.instructions if word == "RUN")
        needed = set()
        for b in ["eddyd", "eddyctl"]:
            ldd = run(["ldd", os.path.join(BUILD, "bin", b)]).stdout
            for lib in re.findall(r"=> (/\S+)", ldd):
                owner = run(["dpkg", "-S", os.path.realpath(lib)])
                if owner.returncode != 0:
                    owner = run(["dpkg", "-S", lib])
                self.assertEqual(owner.returncode, 0, lib)
                needed.add(owner.stdout.split(":")[0])
        # What every Debian image has already.
        base = {"libc6", "libgcc-s1", "libstdc++6", "libssl3", "libsasl2-2", "zlib1g"}
        for pkg in sorted(needed - base):
            self.assertRegex(runs, r"\b%s\b" % re.escape(pkg), "runtime stage lacks " + pkg)


class BrokerOnlyConfigureTest(unittest.TestCase):
    def test_without_test_packages_eddyd_and_eddyctl_configure(self):
        with tempfile.TemporaryDirectory(prefix="eddy-cfg-") as d:
            r = run(["cmake", "-S", REPO, "-B", d, "-G", "Ninja",
                     "-DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON",
                     "-DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON"], timeout=240)
            self.assertEqual(r.returncode, 0, r.stdout)
            targets = run(["ninja", "-C", d, "-t", "targets", "all"]).stdout
            self.assertRegex(targets, r"(?m)^eddyd: ")
            self.assertRegex(targets, r"(?m)^eddyctl: ")
            self.assertNotRegex(targets, r"(?m)_test: ")


if __name__ == "__main__":
    unittest.main()
