"""Where a step's CPU went: the server's processes, PostgreSQL's, the machine's; from Linux's /proc.

The load benchmark's clients, servers and PostgreSQL share the machine's cores, so a throughput
says little on its own: the CPU each spent per operation served says what a change could gain.
On a system without /proc, `snapshot` gives None and nothing is reported.
"""

import os
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = Path("/proc")


@dataclass(frozen=True)
class Use:
    """CPU seconds (or, as a difference, spent between two snapshots)."""

    server: float  # the server's process and its workers
    postgres: float  # every process named `postgres`: backends and background workers
    busy: float  # the machine's, all cores
    total: float  # the machine's, all cores, busy or idle

    def __sub__(self, other: "Use") -> "Use":
        return Use(
            self.server - other.server,
            self.postgres - other.postgres,
            self.busy - other.busy,
            self.total - other.total,
        )


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, name, CPU seconds of user and system time)."""
    found = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def _machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the machine since boot: /proc/stat's first line."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(v) for v in (_PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy / _TICK, (busy + idle + iowait) / _TICK


def snapshot(server_pid: int | None) -> Use | None:
    if not (_PROC / "stat").exists():
        return None
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    server, todo = 0.0, [server_pid] if server_pid in processes else []
    while todo:
        pid = todo.pop()
        server += processes[pid][2]
        todo.extend(children.get(pid, []))
    postgres = sum(cpu for _, name, cpu in processes.values() if name == "postgres")
    return Use(server, postgres, *_machine())
