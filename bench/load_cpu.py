"""Where the machine's CPU went during a run, read from /proc: the server, PostgreSQL, the client."""
# Linux only. Shares are in cores (2.00 is both cores of a 2-core machine for the whole run).
# Processes that ended during the run are missed; the ones here (the server's workers, the
# PostgreSQL backends, the client) live through it.

import os
import time
from collections import Counter
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def processes():
    """pid -> (name, process group, CPU seconds so far) for every user process we may read."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        name, fields = raw[raw.index("(") + 1:raw.rindex(")")], raw[raw.rindex(")") + 2:].split()
        if fields[2] == "0":
            continue  # kernel threads: their counters are unreliable here (kworkers claim whole cores)
        found[int(stat.parent.name)] = (name, int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK)
    return found


def machine():
    """(busy, steal, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return user + nice + system + irq + softirq, steal, sum(values)


class CpuMeter:
    """Started at construction; shares() gives the cores each party used since."""

    def __init__(self, server_pid, client_pid):
        self.server, self.client = server_pid, client_pid  # the server leads its process group
        self.before, self.machine, self.start = processes(), machine(), time.monotonic()

    def party(self, pid, name, group):
        if group == self.server:
            return "server"
        if pid == self.client:
            return "load client"
        return "postgresql" if name.startswith("postgres") else "other"

    def shares(self):
        """Cores used per party over the interval, the machine's busy share and its steal."""
        after, (busy, steal, total) = processes(), machine()
        seconds = time.monotonic() - self.start
        used = Counter()
        for pid, (name, group, cpu) in after.items():
            earlier = self.before.get(pid)
            started = earlier is None or earlier[0] != name  # a new process, or a reused pid
            used[self.party(pid, name, group)] += cpu - (0 if started else earlier[2])
        shares = {party: round(used[party] / seconds, 2)
                  for party in ("server", "postgresql", "load client", "other")}
        jiffies = total - self.machine[2]
        shares["machine busy"] = round((busy - self.machine[0]) / jiffies * os.cpu_count(), 2)
        shares["steal"] = round((steal - self.machine[1]) / jiffies * os.cpu_count(), 2)
        return shares
