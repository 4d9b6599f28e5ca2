"""The chaos network: one Linux bridge in the root namespace, one network namespace per node joined
to it by a veth pair, so that partitions are real at the IP layer.

    net = Net(3)            # namespaces ecTAGn1..3, bridge ecTAGb, subnet 10.X.Y.0/24
    net.ip(1)               # "10.X.Y.11": node 1's address; the bridge (clients) is 10.X.Y.1
    net.block(1, 2)         # node 1 drops every packet from node 2 (one way: iptables INPUT)
    net.lossy(3, 0.3)       # node 3 drops 30% of what it receives
    net.link(2, up=False)   # node 2's cable pulled: nobody reaches it, clients included
    net.heal()              # every rule and link back to normal
    net.close()             # namespaces, veths and bridge removed (idempotent)

Clients run in the root namespace and reach every node through the bridge. Names carry a tag made
of the owning process id, so `cleanup_stale()` can remove what a killed run left behind.
"""

import os
import re
import subprocess

PREFIX = "ec"


def sh(*args, check=True):
    p = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    if check and p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), p.stdout.decode().strip()))
    return p.stdout.decode()


class Net:
    def __init__(self, n, tag=None):
        pid = os.getpid()
        self.tag = tag or "%s%d" % (PREFIX, pid)
        self.n = n
        # A /24 of its own per run (by pid): two runs never share addresses.
        self.subnet = "10.%d.%d" % (100 + (pid >> 8) % 100, pid & 0xFF)
        self.bridge = self.tag + "b"
        self.closed = False
        self._blocked = set()
        try:
            sh("ip", "link", "add", self.bridge, "type", "bridge")
            sh("ip", "addr", "add", self.subnet + ".1/24", "dev", self.bridge)
            sh("ip", "link", "set", self.bridge, "up")
            for i in range(1, n + 1):
                ns, host, peer = self.ns(i), self._veth(i), self._veth(i) + "p"
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", host, "type", "veth", "peer", "name", peer)
                sh("ip", "link", "set", peer, "netns", ns)
                sh("ip", "link", "set", host, "master", self.bridge, "up")
                sh("ip", "-n", ns, "addr", "add", self.ip(i) + "/24", "dev", peer)
                sh("ip", "-n", ns, "link", "set", peer, "up")
                sh("ip", "-n", ns, "link", "set", "lo", "up")
        except Exception:
            self.close()
            raise

    def ns(self, i):
        return "%sn%d" % (self.tag, i)

    def _veth(self, i):
        return "%sv%d" % (self.tag, i)

    def ip(self, i):
        return "%s.%d" % (self.subnet, 10 + i)

    @property
    def client_ip(self):
        return self.subnet + ".1"

    def _iptables(self, i, *rule):
        sh("ip", "netns", "exec", self.ns(i), "iptables", "-w", *rule)

    def block(self, to, frm):
        """Node `to` drops every packet that comes from node `frm` (frm = 0: the clients)."""
        src = self.client_ip if frm == 0 else self.ip(frm)
        self._iptables(to, "-A", "INPUT", "-s", src, "-j", "DROP")

    def partition(self, groups):
        """Nodes in different groups drop each other's packets; clients still reach everyone.
        groups: lists of node ids; a node in no group keeps every link (a bridge node)."""
        for a_i, a in enumerate(groups):
            for b in groups[a_i + 1:]:
                for x in a:
                    for y in b:
                        self.block(x, y)
                        self.block(y, x)

    def lossy(self, i, probability):
        self._iptables(i, "-A", "INPUT", "-m", "statistic", "--mode", "random",
                       "--probability", "%.2f" % probability, "-j", "DROP")

    def link(self, i, up):
        sh("ip", "link", "set", self._veth(i), "up" if up else "down")

    def heal(self):
        for i in range(1, self.n + 1):
            self._iptables(i, "-F", "INPUT")
            self.link(i, up=True)

    def close(self):
        if self.closed:
            return
        self.closed = True
        remove(self.tag, self.n)


def remove(tag, n=None):
    """Kills what still runs in the tag's namespaces and removes namespaces, veths and bridge."""
    names = [ns for ns in sh("ip", "netns", "list", check=False).split()
             if re.fullmatch(re.escape(tag) + r"n\d+", ns)]
    for ns in names:
        for pid in sh("ip", "netns", "pids", ns, check=False).split():
            try:
                os.kill(int(pid), 9)
            except (OSError, ValueError):
                pass
        sh("ip", "netns", "del", ns, check=False)
    for link in re.findall(r"^\d+: (%s[bv]\d*)[@:]" % re.escape(tag),
                           sh("ip", "-o", "link", "show", check=False), re.M):
        sh("ip", "link", "del", link, check=False)


def cleanup_stale():
    """Removes what runs whose process is gone left behind (a kill -9 of the harness itself)."""
    tags = set(re.findall(r"\b(%s\d+)n\d+\b" % PREFIX, sh("ip", "netns", "list", check=False)))
    tags |= set(re.findall(r"^\d+: (%s\d+)b[@:]" % PREFIX,
                           sh("ip", "-o", "link", "show", check=False), re.M))
    for tag in tags:
        if not os.path.exists("/proc/%s" % tag[len(PREFIX):]):
            remove(tag)
