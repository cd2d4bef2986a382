"""Serving a SandboxPve over HTTPS: in a background thread (tests, benchmarks, the demo) or in the
foreground (the `proxvps sandbox` command, which uses start_serving directly).

The server gets a fresh self-signed certificate that names 127.0.0.1 and localhost (and the address
it listens on), so a client verifies it with the certificate file as its CA, or pins its SHA-256
fingerprint as PVE shows it. The private key is deleted as soon as the server has loaded it.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from fakepve.certs import make_cert

from proxvps.sandbox.cloudinit import GuestCloudInit
from proxvps.sandbox.holds import TaskHold
from proxvps.sandbox.pve import SandboxPve
from proxvps.sandbox.seed import TOKEN_ID

__all__ = ["RunningSandbox", "SandboxInfo", "fingerprint_of", "start_serving"]

T = TypeVar("T")
# Real seconds to wait for the server thread to start, answer a call, or stop.
THREAD_TIMEOUT = 30.0
CERT_NAME = "proxvps-sandbox"


@dataclass(frozen=True)
class SandboxInfo:
    """How a client reaches a running sandbox."""

    url: str  # "https://127.0.0.1:PORT"
    token_id: str
    token_secret: str = field(repr=False)
    fingerprint: str  # SHA-256 of the certificate's DER, uppercase hex pairs joined by ":" (as PVE shows it)
    cafile: str  # the PEM certificate: self-signed, usable as a CA file; names 127.0.0.1 and localhost


def fingerprint_of(der: bytes) -> str:
    """A certificate's SHA-256 fingerprint the way PVE prints it: AB:CD:..."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _url(host: str, port: int) -> str:
    return f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"


async def start_serving(pve: SandboxPve, directory: str) -> SandboxInfo:
    """Start pve on pve.host:pve.port (port 0: a free one) with a new certificate written to directory."""
    secret = pve.apitokens.get(TOKEN_ID)
    if secret is None:
        raise ValueError(f"the sandbox has no API token {TOKEN_ID}: make it with build_sandbox()")
    certfile, keyfile, der = make_cert(directory, name=CERT_NAME, hosts=(pve.host,))
    try:
        await pve.start(certfile, keyfile)
    finally:
        os.remove(keyfile)  # loaded by the server (or not needed): no copy of the key stays on disk
    return SandboxInfo(_url(pve.host, pve.port), TOKEN_ID, secret, fingerprint_of(der), certfile)


class RunningSandbox:
    """A sandbox served on its own asyncio loop in a daemon thread, as a context manager.

    `with RunningSandbox(build_sandbox()) as sandbox:` returns once the server accepts connections;
    leaving the block stops the server and the thread and removes the certificate.
    """

    def __init__(self, pve: SandboxPve, host: str = "127.0.0.1", port: int = 0, workdir: str | None = None) -> None:
        self.pve = pve
        self.info: SandboxInfo
        self._host = host
        self._port = port
        self._workdir = workdir
        self._tmpdir: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RunningSandbox:
        if self._loop is not None:
            raise RuntimeError("this sandbox is already running")
        self.pve.host, self.pve.port = self._host, self._port
        if self._workdir is None:
            self._tmpdir = tempfile.mkdtemp(prefix="proxvps-sandbox-")
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="proxvps-sandbox", daemon=True)
        self._thread.start()
        try:
            self.info = self._run(start_serving(self.pve, self._tmpdir or str(self._workdir)))
        except BaseException:
            self._halt()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self._stop())
        finally:
            self._halt()

    def call(self, fn: Callable[[SandboxPve], T]) -> T:
        """Run fn(pve) on the loop thread and return its result (await it if it is a coroutine), so tests can
        inject faults (pve.fail(...), pve.set_node_offline(...), vm.start_error = ...) and read state without
        racing the server."""

        async def invoke() -> Any:
            result: Any = fn(self.pve)
            if inspect.isawaitable(result):
                result = await result
            return result

        return cast(T, self._run(invoke()))

    # ---------------------------------------------------------------- test hooks (not part of the PVE API)

    def hold(self, ttype: str, vmid: int | None = None, node: str | None = None) -> TaskHold:
        """Hold matching tasks that start from now on at their first pause, until release(hold) (see holds.py)."""
        return self.call(lambda pve: pve.hold_tasks(ttype, vmid, node))

    def wait_until_held(self, hold: TaskHold) -> str:
        """Block until a task waits at the hold (THREAD_TIMEOUT real seconds at most); the UPID of the first."""
        reached = self.call(lambda _pve: hold.reached.wait())  # a coroutine: call() awaits it on the loop
        assert reached
        return hold.held[0]

    def release(self, hold: TaskHold) -> None:
        """Let the held tasks finish; tasks that start afterwards are not held."""
        self.call(lambda pve: pve.release_tasks(hold))

    def freeze_clock(self) -> float:
        """Stop the sandbox's clock (see PveBase.now); the frozen time."""
        return self.call(lambda pve: pve.freeze_clock())

    def advance_clock(self, secs: float) -> float:
        """Move the sandbox's clock secs seconds on; the new time."""
        return self.call(lambda pve: pve.advance_clock(secs))

    def guest_cloudinit(self, vmid: int) -> GuestCloudInit | None:
        """The VM's cloud-init settings in clear, password included, as the guest gets them (not a PVE call)."""
        return self.call(lambda pve: pve.guest_cloudinit(vmid))

    def write_disk(self, vmid: int, key: str, text: str) -> None:
        """The guest of VM vmid writes text to its disk at config key (see contents.py; not a PVE call)."""
        self.call(lambda pve: pve.write_disk(vmid, key, text))

    def read_disk(self, vmid: int, key: str) -> str | None:
        """What VM vmid's disk at config key holds (see contents.py; not a PVE call)."""
        return self.call(lambda pve: pve.read_disk(vmid, key))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._loop is None:
            coro.close()
            raise RuntimeError("the sandbox is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(THREAD_TIMEOUT)

    async def _stop(self) -> None:
        """Stop listening and end the tasks still running (a vzdump at time_scale > 0, say)."""
        await self.pve.stop()
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _halt(self) -> None:
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(THREAD_TIMEOUT)
            if not thread.is_alive():
                loop.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        elif self._workdir is not None:
            certfile = os.path.join(self._workdir, CERT_NAME + ".crt")
            if os.path.exists(certfile):
                os.remove(certfile)
