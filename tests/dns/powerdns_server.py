"""A real PowerDNS Authoritative server for the tests: Debian's `pdns-server` with the sqlite3 backend.

It runs from a temporary directory on free loopback ports: a fresh database made from the package's own schema,
the webserver and HTTP API on with a random key, every cache off (so a DNS query right after an API change sees
it) and no security poll (which would query the internet). The tests read records back with real DNS queries.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rdatatype
import httpx
import pytest

SCHEMAS = (
    Path("/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"),
    Path("/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql"),
)
START_TIMEOUT = 20.0
# pdns_server refuses port 0 ("binding to no port or port 0 makes no sense"), so it cannot pick its own ports and
# report them: the ports are found free, and when another process took one before pdns_server bound it (its log
# says so), the server is started again on fresh ports, up to this many times.
START_ATTEMPTS = 5
PORT_TAKEN = ("Unable to bind", "While binding: Address already in use")


class PortTakenError(Exception):
    """pdns_server could not bind a port found free a moment before: another process took it meanwhile."""


def pdns_binary() -> str | None:
    return shutil.which("pdns_server") or shutil.which("pdns_server", path="/usr/sbin:/usr/local/sbin")


def unavailable(reason: str) -> None:
    """Skip with the reason; in CI (where .ci/run installs the server) a missing server is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs pdns-server and pdns-backend-sqlite3: see .ci/run)", pytrace=False)
    pytest.skip(f"{reason}: install pdns-server and pdns-backend-sqlite3 to run the PowerDNS tests")


def free_port() -> int:
    """A port free on 127.0.0.1 for both TCP and UDP (DNS listens on both)."""
    for _attempt in range(50):
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            with closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port on 127.0.0.1")


@dataclass
class PowerDnsServer:
    directory: Path
    api_key: str
    web_port: int
    dns_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The bare webserver URL, as an admin would type it (the adapter adds /api/v1)."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1/servers/localhost", headers={"X-API-Key": self.api_key}, timeout=10
        )

    def start(self) -> None:
        binary = pdns_binary()
        assert binary is not None
        log = (self.directory / "pdns.log").open("wb")
        self.process = subprocess.Popen(
            [binary, f"--config-dir={self.directory}"], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            output = (self.directory / "pdns.log").read_text(errors="replace")
            if any(sign in output for sign in PORT_TAKEN):
                self.stop()
                raise PortTakenError(output)
            if self.process.poll() is not None:
                pytest.fail(f"pdns_server exited with {self.process.returncode}:\n{output}", pytrace=False)
            try:
                ready = httpx.get(f"{self.url}/api/v1/servers", headers={"X-API-Key": self.api_key}, timeout=2)
                if ready.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"pdns_server did not answer on {self.url} within {START_TIMEOUT:.0f} s", pytrace=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    # ------------------------------------------------------------ test helpers

    def create_zone(self, name: str) -> None:
        zone = name.rstrip(".") + "."
        with self.api as api:
            response = api.post(
                "/zones",
                json={"name": zone, "kind": "Native", "nameservers": [f"ns1.{zone}"]},
                params={"rrsets": "false"},
            )
        assert response.status_code == 201, response.text

    def delete_zone(self, name: str) -> None:
        with self.api as api:
            api.delete(f"/zones/{name.rstrip('.')}.")

    def serial(self, zone: str) -> int:
        with self.api as api:
            return int(api.get(f"/zones/{zone.rstrip('.')}.", params={"rrsets": "false"}).json()["serial"])

    def query(self, name: str, rtype: str) -> set[str]:
        """The answer the server gives over DNS (UDP), as text: `192.0.2.10`, `vps.example.test.`."""
        message = dns.message.make_query(name, dns.rdatatype.from_text(rtype))
        answer = dns.query.udp(message, "127.0.0.1", port=self.dns_port, timeout=5)
        return {
            item.to_text() for rrset in answer.answer for item in rrset if rrset.rdtype == message.question[0].rdtype
        }


def _config(directory: Path, database: Path, api_key: str, web_port: int, dns_port: int) -> str:
    return "\n".join(
        [
            "launch=gsqlite3",
            f"gsqlite3-database={database}",
            "gsqlite3-pragma-synchronous=0",
            "local-address=127.0.0.1",
            f"local-port={dns_port}",
            "webserver=yes",
            "webserver-address=127.0.0.1",
            f"webserver-port={web_port}",
            "webserver-allow-from=127.0.0.0/8",
            "api=yes",
            f"api-key={api_key}",
            "daemon=no",
            "guardian=no",
            "disable-syslog=yes",
            f"socket-dir={directory}",
            "loglevel=3",
            # Nothing cached: a query right after an API change must see it.
            "cache-ttl=0",
            "negquery-cache-ttl=0",
            "query-cache-ttl=0",
            "zone-cache-refresh-interval=0",
            # No security-status poll: it would query the internet.
            "security-poll-suffix=",
            "receiver-threads=1",
            "distributor-threads=1",
            "",
        ]
    )


@contextmanager
def running_powerdns(directory: Path) -> Iterator[PowerDnsServer]:
    """Start a server in `directory` (skips, or fails in CI, when the packages are missing); stop it after."""
    if pdns_binary() is None:
        unavailable("pdns_server is not installed")
    schema = next((path for path in SCHEMAS if path.exists()), None)
    if schema is None:
        unavailable("the sqlite3 schema of pdns-backend-sqlite3 is not installed")
    assert schema is not None
    database = directory / "pdns.sqlite3"
    with closing(sqlite3.connect(database)) as connection:
        connection.executescript(schema.read_text())
        connection.commit()
    for attempt in range(1, START_ATTEMPTS + 1):
        server = PowerDnsServer(directory, secrets.token_urlsafe(24), free_port(), free_port())
        (directory / "pdns.conf").write_text(
            _config(directory, database, server.api_key, server.web_port, server.dns_port)
        )
        try:
            server.start()
            break
        except PortTakenError as taken:
            if attempt == START_ATTEMPTS:
                pytest.fail(f"pdns_server found its ports taken {attempt} times:\n{taken}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
