"""Holding a task in its long part until the test releases it: an event the test controls, in place of a time window.

`pve.hold_tasks("vzdump", vmid=100)` makes every matching task that starts afterwards stop at its first pause (the
part a real task spends working: a vzdump writing its archive with the VM locked, a restore reading it) until
`pve.release_tasks(hold)`. `hold.reached` is set once a task waits there, so a test sees the task running, the VM
locked and the worker waiting, for as long as it likes, on any machine. A held task runs in the background even at
time_scale 0, so its request answers with the UPID while it is held, as PVE answers while a worker runs. A stop
request (`DELETE .../tasks/{upid}`) still interrupts a held task. A task whose body never pauses is not held.

This replaces fakepve's FakePve.task (0.5.0, pinned), copied with two changes: the hold, and a call to the areas'
hook `_sb_task_succeeded` when a task's body ends without error. It must stay the last `task` override before
FakePve in SandboxPve's bases (TaskStops wraps it).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fakepve import TaskError

from proxvps.sandbox.base import PveBase

__all__ = ["TaskHold", "TaskHolds"]


@dataclass(eq=False)
class TaskHold:
    """Tasks of type `ttype` (and of guest `vmid`, on `node`, when given) wait at their first pause until released."""

    ttype: str
    vmid: int | None = None
    node: str | None = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    held: list[str] = field(default_factory=list)  # UPIDs of the tasks that waited here, in order

    def matches(self, node: str, ttype: str, tid: object) -> bool:
        return (
            ttype == self.ttype
            and (self.vmid is None or str(tid) == str(self.vmid))
            and (self.node is None or node == self.node)
        )


# The hold of the task whose body is running (and its UPID): task bodies run in asyncio tasks that copy this.
_CURRENT: contextvars.ContextVar[tuple[TaskHold, str] | None] = contextvars.ContextVar("sandbox_hold", default=None)


class TaskHolds(PveBase):
    """Mixin of SandboxPve: holds on tasks, and fakepve's task runner that honours them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sb_holds: list[TaskHold] = []
        # The tasks running in the background, referenced until they end (the loop keeps only weak references).
        self._sb_running: set[asyncio.Future[None]] = set()

    def hold_tasks(self, ttype: str, vmid: int | None = None, node: str | None = None) -> TaskHold:
        """Hold every matching task that starts from now on, until release_tasks(hold)."""
        hold = TaskHold(ttype, vmid, node)
        self._sb_holds.append(hold)
        return hold

    def release_tasks(self, hold: TaskHold) -> None:
        """Let the held tasks go on; tasks that start afterwards are not held."""
        if hold in self._sb_holds:
            self._sb_holds.remove(hold)
        hold.released.set()

    async def pause(self, secs: float) -> None:
        current = _CURRENT.get()
        if current is not None:
            hold, upid = current
            if not hold.released.is_set():
                hold.held.append(upid)
                hold.reached.set()
                await hold.released.wait()
        await super().pause(secs)

    async def task(  # type: ignore[no-untyped-def]
        self, node, ttype, tid, user, body: Callable[[], Awaitable[Any]], vm=None, lock=True, log=()
    ) -> str:
        """fakepve's FakePve.task: start a task and return its UPID; body() may pause, and raises TaskError to
        fail. The changes: a held task runs in the background at any time_scale, and a body that ends without error
        calls _sb_task_succeeded (the areas' hook)."""
        hold = next((h for h in self._sb_holds if h.matches(node, ttype, tid)), None)
        upid: str
        upid, pid, start = self._upid(node, ttype, tid, user)
        record: dict[str, Any] = {
            "upid": upid,
            "node": node,
            "pid": pid,
            "pstart": pid * 7,
            "starttime": start,
            "type": ttype,
            "id": str(tid),
            "user": user,
            "status": "running",
            "log": list(log),
        }
        self.tasks[upid] = record
        self.tasklog.append(record)

        async def run() -> None:
            if hold is not None:
                _CURRENT.set((hold, upid))
            status = "OK"
            try:
                if vm is not None and lock:
                    await self.acquire(vm, upid)
                try:
                    note = await body()
                    self._sb_task_succeeded(ttype, tid)
                    if note:
                        record["log"].append(note)
                finally:
                    if vm is not None and lock:
                        self.release(vm, upid)
            except TaskError as e:
                status = str(e)
                record["log"].append(status)
            record["status"] = "stopped"
            record["exitstatus"] = status
            record["endtime"] = int(self.now())
            record["log"].append("TASK OK" if status == "OK" else "TASK ERROR: " + status)

        if self.time_scale or hold is not None:
            running = asyncio.ensure_future(run())
            self._sb_running.add(running)
            running.add_done_callback(self._sb_running.discard)
        else:
            await run()
        return upid
