"""Proxmox tasks: the UPID a long operation returns, its status, and the one result type for all of them.

A step starts an operation, records its `TaskRef` and returns; a later pass asks `task_result`, which is None
while the task runs. So nothing here waits: the bpg terraform provider's start/wait pair, with the wait done
by coming back instead of sleeping.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from proxvps.proxmox.errors import ProxmoxResponseError

# PVE::Tools::upid_decode: UPID:node:pid:pstart:starttime:type:id:user: (pstart may have 9 hex digits).
_UPID = re.compile(
    r"UPID:(?P<node>[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?):(?P<pid>[0-9A-Fa-f]{8}):"
    r"(?P<pstart>[0-9A-Fa-f]{8,9}):(?P<starttime>[0-9A-Fa-f]{8}):(?P<type>[^:\s]+):(?P<id>[^:\s]*):"
    r"(?P<user>[^:\s]+):"
)
_WARNINGS = re.compile(r"WARNINGS: (\d+)")


@dataclass(frozen=True)
class TaskRef:
    """A running or finished task: the node that runs it and its UPID (what a step stores to come back)."""

    node: str
    upid: str

    def __post_init__(self) -> None:
        if _UPID.fullmatch(self.upid) is None:
            raise ProxmoxResponseError(
                _("Proxmox returned %(value)r where a task id was expected.") % {"value": self.upid}
            )

    @classmethod
    def from_upid(cls, upid: str) -> TaskRef:
        """The ref of a UPID, which names the node that runs the task."""
        found = _UPID.fullmatch(upid.strip())
        return cls(found["node"] if found else "", upid.strip())

    def _field(self, name: str) -> str:
        found = _UPID.fullmatch(self.upid)
        assert found is not None  # checked in __post_init__
        return found[name]

    @property
    def pid(self) -> int:
        return int(self._field("pid"), 16)

    @property
    def pstart(self) -> int:
        return int(self._field("pstart"), 16)

    @property
    def starttime(self) -> int:
        """When the task started, in seconds since the epoch."""
        return int(self._field("starttime"), 16)

    @property
    def type(self) -> str:
        """qmclone, qmstart, vzdump, ..."""
        return self._field("type")

    @property
    def id(self) -> str:
        """What the task works on, usually the VMID; may be empty."""
        return self._field("id")

    @property
    def user(self) -> str:
        """Who started it: user@realm, or user@realm!tokenid for a token."""
        return self._field("user")


class TaskState(enum.Enum):
    OK = "ok"
    WARNINGS = "warnings"
    FAILED = "failed"


@dataclass(frozen=True)
class TaskStatus:
    """GET /nodes/{node}/tasks/{upid}/status: running, or stopped with an exit status."""

    ref: TaskRef
    status: str
    exitstatus: str | None

    @property
    def running(self) -> bool:
        return self.status == "running"

    @classmethod
    def from_api(cls, ref: TaskRef, data: Mapping[str, Any]) -> TaskStatus:
        exitstatus = data.get("exitstatus")
        return cls(ref, str(data.get("status") or ""), None if exitstatus is None else str(exitstatus))


@dataclass(frozen=True)
class TaskResult:
    """How a finished task ended: ok, ok with warnings (`WARNINGS: N`), or failed with PVE's exit status."""

    ref: TaskRef
    state: TaskState
    exitstatus: str
    warnings: int = 0

    @property
    def ok(self) -> bool:
        """True when the task did its work (warnings included)."""
        return self.state is not TaskState.FAILED

    @property
    def message(self) -> str:
        """One sentence for the service log."""
        if self.state is TaskState.OK:
            return _("The Proxmox task %(type)s finished.") % {"type": self.ref.type}
        if self.state is TaskState.WARNINGS:
            return _("The Proxmox task %(type)s finished with %(count)d warnings.") % {
                "type": self.ref.type,
                "count": self.warnings,
            }
        return _("The Proxmox task %(type)s failed: %(status)s.") % {
            "type": self.ref.type,
            "status": self.exitstatus or _("no exit status"),
        }


def result_of(status: TaskStatus) -> TaskResult | None:
    """The result of a stopped task; None while it runs."""
    if status.running:
        return None
    exitstatus = (status.exitstatus or "").strip()
    if exitstatus == "OK":
        return TaskResult(status.ref, TaskState.OK, exitstatus)
    warnings = _WARNINGS.fullmatch(exitstatus)
    if warnings:
        return TaskResult(status.ref, TaskState.WARNINGS, exitstatus, int(warnings[1]))
    return TaskResult(status.ref, TaskState.FAILED, exitstatus)


@dataclass(frozen=True)
class TaskLogLine:
    """One line of a task's log: its number (from 1) and text."""

    n: int
    text: str
