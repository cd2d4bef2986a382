"""Stopping a running task, as `DELETE /nodes/{node}/tasks/{upid}` does on PVE, and a VM stop that first aborts
the VM's shutdown tasks (`overrule-shutdown`, qemu-server's vm_stop through PVE::GuestHelpers::abort_guest_tasks).

fakepve runs each task body as a coroutine it keeps no handle to; the sandbox wraps every body so that a stop
request can interrupt it. An interrupted body unwinds through its `finally` blocks (a migration releases its lock
and leaves the VM where it was) and the task ends as PVE ends a stopped worker: `TASK ERROR: received interrupt`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from fakepve import PveError, TaskError


class TaskStops:
    """Mixin of SandboxPve: task bodies that a stop request interrupts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sb_stops: dict[str, asyncio.Event] = {}

    def _routes_sandbox_stops(self) -> list[tuple[str, str, Any]]:
        return [("DELETE", "/nodes/{node}/tasks/{upid}", self._sb_stop_task)]

    async def task(  # type: ignore[no-untyped-def]
        self, node, ttype, tid, user, body: Callable[[], Awaitable[Any]], vm=None, lock=True, log=()
    ) -> str:
        stop = asyncio.Event()

        async def interruptible() -> Any:
            work = asyncio.ensure_future(body())
            stopped = asyncio.ensure_future(stop.wait())
            done, _pending = await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if work in done:
                stopped.cancel()
                return work.result()
            work.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            raise TaskError("received interrupt")

        upid: str = await super().task(node, ttype, tid, user, interruptible, vm=vm, lock=lock, log=log)  # type: ignore[misc]
        if self.tasks[upid]["status"] == "running":  # type: ignore[attr-defined]
            self._sb_stops[upid] = stop
        return upid

    async def _do_stop(self, vm: Any, user: str, p: dict[str, Any]) -> Any:
        """fakepve's stop, which ignores `overrule-shutdown` for a VM: with it, PVE aborts the VM's running shutdown
        tasks first, so the stop need not wait for their hold on the VM's config lock."""
        if str(p.get("overrule-shutdown", "0")) in ("1", "true"):
            for task in self.tasklog:  # type: ignore[attr-defined]
                if (task["type"], task["id"], task["status"]) == ("qmshutdown", str(vm.vmid), "running"):
                    stop = self._sb_stops.pop(task["upid"], None)
                    if stop is not None:
                        stop.set()
        return await super()._do_stop(vm, user, p)  # type: ignore[misc]

    async def _sb_stop_task(self, v: dict[str, Any], user: str) -> None:
        task = self.tasks.get(v["upid"])  # type: ignore[attr-defined]
        if task is None or task["node"] != v["node"]:
            raise PveError(500, f"unable to parse worker upid '{v['upid']}'")
        stop = self._sb_stops.pop(v["upid"], None)
        if stop is not None and task["status"] == "running":
            stop.set()
