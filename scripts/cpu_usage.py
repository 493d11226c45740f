"""Who used the machine's CPU during a load window (`make bench`): the machine as a whole from
/proc/stat, which misses nothing, and its processes grouped by what they are from
/proc/<pid>/stat, looked at twice a second (`Watch`): a process that ends inside the window
(a PostgreSQL backend whose connection reached CONN_MAX_AGE) is counted as it was last seen, so
the groups can add up to a little less than the machine."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
# A process's group: the first of these its command line contains.
GROUPS = (
    ("web", "gunicorn"),
    ("database", "postgres"),
    ("load", "locust"),
    ("worker", "celery"),
    ("redis", "redis-server"),
)


@dataclass(frozen=True)
class Snapshot:
    at: float  # time.monotonic()
    busy: float  # the machine's CPU seconds not idle, over all cores, since boot
    processes: dict[int, tuple[str, float]]  # pid: (group, CPU seconds since it started)


def snapshot() -> Snapshot:
    at = time.monotonic()
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):  # ended meanwhile
            continue
        seconds = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        processes[int(stat.parent.name)] = (group_of(command), seconds)
    return Snapshot(at=at, busy=machine_busy(Path("/proc/stat").read_text()), processes=processes)


class Watch:
    """What the machine's processes have used, looked at every `interval` seconds from a
    greenlet of the load generator (gevent)."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.start = self.seen = snapshot()

    def run(self) -> None:
        import gevent

        while True:
            gevent.sleep(self.interval)
            self.look()

    def look(self) -> None:
        latest = snapshot()
        # A process no longer there keeps what it had used when last seen.
        self.seen = Snapshot(
            at=latest.at, busy=latest.busy, processes=self.seen.processes | latest.processes
        )

    def usage(self) -> dict[str, float]:
        self.look()
        return usage(self.start, self.seen)


def group_of(command: str) -> str:
    return next((group for group, needle in GROUPS if needle in command), "other")


def machine_busy(proc_stat: str) -> float:
    """CPU seconds spent on anything but idling and waiting for the disk, over all cores."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in proc_stat.split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / TICKS


def usage(before: Snapshot, after: Snapshot) -> dict[str, float]:
    """Cores busy on average between the snapshots: "machine", and each group."""
    seconds = after.at - before.at
    cores = {"machine": (after.busy - before.busy) / seconds}
    for pid, (group, used) in after.processes.items():
        earlier = before.processes.get(pid)
        spent = used - earlier[1] if earlier and earlier[0] == group else used
        cores[group] = cores.get(group, 0.0) + spent / seconds
    return cores
