"""Fixtures shared by the whole test suite: a running sandbox cluster and a client for its API, and a real PowerDNS
server for the DNS tests."""

from __future__ import annotations

import secrets
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from proxvps.sandbox.runner import RunningSandbox, SandboxInfo
from proxvps.sandbox.seed import build_sandbox
from tests import secret_scan
from tests.dns.powerdns_server import PowerDnsServer, running_powerdns

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    """The suite-wide secret scan runs in every session (see tests/secret_scan.py)."""
    if not config.pluginmanager.is_registered(secret_scan):
        config.pluginmanager.register(secret_scan, "proxvps-secret-scan")


# Real seconds a test waits for a sandbox task before it gives up.
TASK_WAIT = 10.0


class SandboxApi:
    """A bare client of the sandbox's PVE API over HTTPS, for tests of the sandbox itself."""

    def __init__(self, info: SandboxInfo) -> None:
        self.client = httpx.Client(
            base_url=f"{info.url}/api2/json",
            verify=ssl.create_default_context(cafile=info.cafile),
            headers={"Authorization": f"PVEAPIToken={info.token_id}={info.token_secret}"},
            timeout=10.0,
        )

    def request(self, method: str, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        if method in ("GET", "DELETE"):
            return self.client.request(method, path, params=params)
        return self.client.request(method, path, data=params)

    def data(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        """The `data` of a successful answer."""
        response = self.request(method, path, params)
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()["data"]

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.data("GET", path, params)

    def task(self, method: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Start a task and wait for it: its status, with its log lines under `log`."""
        upid = self.data(method, path, params)
        return self.wait(upid)

    def wait(self, upid: str) -> dict[str, Any]:
        node = upid.split(":")[1]
        deadline = time.monotonic() + TASK_WAIT
        while True:
            status = self.get(f"/nodes/{node}/tasks/{upid}/status")
            if status["status"] == "stopped":
                lines = self.get(f"/nodes/{node}/tasks/{upid}/log", {"limit": 1000})
                return dict(status, log=[line["t"] for line in lines])
            assert time.monotonic() < deadline, f"task {upid} still running"
            time.sleep(0.01)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    """A seeded 3-node sandbox served over HTTPS, tasks finishing at once (time_scale 0)."""
    with RunningSandbox(build_sandbox(nodes=3)) as running:
        yield running


@pytest.fixture
def sandbox_api(sandbox: RunningSandbox) -> Iterator[SandboxApi]:
    """A client of the `sandbox` fixture's API, authenticated with its API token."""
    api = SandboxApi(sandbox.info)
    with api.client:
        yield api


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback TCP port that refuses connections for the whole test: bound by the test and never listened on, so
    no other process can take it between choosing it and using it (as a port merely found free could be)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


@pytest.fixture(scope="session")
def powerdns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PowerDnsServer]:
    """A real PowerDNS Authoritative server on loopback for the session (one per xdist worker). Skips when
    pdns_server is not installed, except in CI, where that fails."""
    with running_powerdns(tmp_path_factory.mktemp("powerdns")) as server:
        yield server


@pytest.fixture
def pdns_zone(powerdns: PowerDnsServer) -> Iterator[Callable[[str], str]]:
    """Makes zones on the session's PowerDNS server and deletes them after the test: `<label>-<random>.test` for a
    label, or a reverse zone (`...arpa`) as given."""
    made: list[str] = []

    def make(name: str) -> str:
        zone = name if name.endswith(".arpa") else f"{name}-{secrets.token_hex(4)}.test"
        powerdns.create_zone(zone)
        made.append(zone)
        return zone

    yield make
    for zone in made:
        powerdns.delete_zone(zone)
