"""The common base of the sandbox's fake PVE: fakepve's FakePve and the helpers its areas share.

The areas (volumes, disks, migration, backups, nodes, metrics) are mixins of this class, so each
can call the others' helpers through `self` and extend fakepve's methods with `super()`. Their own
methods and attributes start with `_sb_` or name themselves plainly, so they never shadow a fakepve
internal by accident. fakepve is pinned (pyproject.toml): the overrides rely on its internals.
"""

from __future__ import annotations

import re
import time
from typing import Any

import fakepve
from fakepve.storage import _is_file, spec_of

__all__ = ["GIB", "MIB", "UNUSED_KEY", "PveBase", "is_file_storage", "log_time"]

MIB = 1024**2
GIB = 1024**3
UNUSED_KEY = re.compile(r"^unused\d+$")


def is_file_storage(store: dict[str, Any]) -> bool:
    """True for a storage that keeps volumes as files (dir, nfs, cifs, ...): they carry a format extension."""
    return bool(_is_file(store))


def log_time() -> str:
    """The local time stamp PVE puts in front of migration log lines."""
    return time.strftime("%Y-%m-%d %H:%M:%S")


class PveBase(fakepve.FakePve):  # type: ignore[misc]  # fakepve ships no type information
    """FakePve with the helpers several sandbox areas need, and the sandbox's clock.

    The clock (`now()`) is the wall clock until a test freezes it (`freeze_clock()`) or moves it on
    (`advance_clock(secs)`): the figures that grow with time (usage counters, RRD points, uptimes) read it, so a
    test sees them grow by what it advanced, not by how long the machine took.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sb_clock_offset = 0.0
        self._sb_clock_frozen: float | None = None

    def _sb_task_succeeded(self, ttype: str, tid: object) -> None:
        """Called when a task's body has ended without error, before the task is marked stopped: the areas extend it
        (contents.py keeps the disks' data at a snapshot)."""

    def now(self) -> float:
        """The sandbox's time in epoch seconds."""
        base = time.time() if self._sb_clock_frozen is None else self._sb_clock_frozen
        return base + self._sb_clock_offset

    def freeze_clock(self) -> float:
        """Stop the clock where it is (it moves only by advance_clock from now on); the frozen time."""
        self._sb_clock_frozen = time.time()
        return self.now()

    def advance_clock(self, secs: float) -> float:
        """Move the clock secs seconds on; the new time."""
        if secs < 0:
            raise ValueError(f"the sandbox clock only moves forward, not by {secs} s")
        self._sb_clock_offset += secs
        return self.now()

    def _sb_shared(self, sid: str) -> bool:
        """True if every node sees the same storage (nfs, rbd, a shared dir, ...)."""
        return bool(self.storages.get(sid, {}).get("shared"))

    def _sb_guest_node(self, vmid: int) -> str | None:
        guest = self.guest(vmid)
        return str(guest.node) if guest is not None else None

    def _sb_task_log(self, node: str, ttype: str, tid: object) -> list[str]:
        """The log of the running task (node, type, id), for a task body to write its progress into.

        fakepve hands a body no handle on its own task record; the newest running record of that kind
        is it, because PVE's config lock keeps two such tasks of one guest from running at once.
        """
        for record in reversed(self.tasklog):
            if (record["node"], record["type"], record["id"], record["status"]) == (
                node,
                ttype,
                str(tid),
                "running",
            ):
                lines: list[str] = record["log"]
                return lines
        raise LookupError(f"no running {ttype} task for {tid} on {node}")

    def _sb_target_format(self, sid: str, fmt: str | None) -> str:
        """The format a volume gets when it lands on storage sid: its own if the storage takes it, else the
        storage's default (raw on block storages, qcow2 on a storage configured so)."""
        store = self.storages[sid]
        spec = spec_of(store) or {"formats": None, "format": "raw"}
        supported = spec["formats"] or ["raw"]
        if fmt in supported:
            return str(fmt)
        return str(store.get("format") or spec["format"])
