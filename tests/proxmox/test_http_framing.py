"""The session's HTTP/1.1 on the wire, against a scripted TLS server: what a PVE proxy or a load balancer in
front of it may send besides the sandbox's plain answers. A chunked body is decoded, a `Connection: close` answer
or a connection the server dropped while idle is followed by a new connection, and an answer that is not HTTP is
a connection error in one sentence."""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fakepve.certs import make_cert

from proxvps.proxmox import ProxmoxClient, ProxmoxConnectionError, ProxmoxSettings
from proxvps.proxmox.connection import certificate_fingerprint
from proxvps.proxmox.session import Session

VERSION = b'{"data":{"version":"9.0.3","release":"9.0","repoid":"abc"}}'


def plain(body: bytes = VERSION, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + extra
        + (b"Content-Length: %d\r\n\r\n" % len(body))
        + body
    )


def chunked(body: bytes = VERSION) -> bytes:
    half = len(body) // 2
    pieces = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:]))
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + pieces + b"0\r\n\r\n"


@dataclass
class Script:
    """Per connection the server accepts, the answers it sends (one per request it reads, whole requests kept in
    `requests`), then it hangs up."""

    answers: list[list[bytes]]
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    hung_up: threading.Event = field(default_factory=threading.Event)
    """Set once the server has closed its first connection."""


@dataclass(frozen=True)
class Served:
    url: str
    fingerprint: str
    script: Script


def _read_request(conn: ssl.SSLSocket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _sep, rest = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(rest) < length:
        rest += conn.recv(4096)
    return head + b"\r\n\r\n" + rest


def _serve(listener: socket.socket, context: ssl.SSLContext, script: Script) -> None:
    for answers in script.answers:
        raw, _address = listener.accept()
        script.connections += 1
        try:
            with context.wrap_socket(raw, server_side=True) as conn:
                for answer in answers:
                    script.requests.append(_read_request(conn))
                    conn.sendall(answer)
        except OSError:
            pass  # the client hung up first: what a test of a bad answer expects
        script.hung_up.set()


Serve = Callable[..., Served]
"""Start the scripted server: one list of answers per connection it will accept."""


@pytest.fixture
def serve(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Serve]:
    """On 127.0.0.1, or on the address the test gives (indirect parametrisation)."""
    host = getattr(request, "param", "127.0.0.1")
    certfile, keyfile, der = make_cert(str(tmp_path), name="scripted", hosts=(host,))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    try:
        listener = socket.create_server((host, 0), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        # As for PowerDNS and PHP: a machine without the loopback address may run the rest; CI's must have it.
        reason = f"this machine cannot listen on {host} ({error})"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    threads: list[threading.Thread] = []

    def start(*answers: list[bytes]) -> Served:
        script = Script(list(answers))
        thread = threading.Thread(target=_serve, args=(listener, context, script), daemon=True)
        thread.start()
        threads.append(thread)
        port = listener.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        return Served(f"https://{shown}:{port}", certificate_fingerprint(der), script)

    yield start
    listener.close()
    for thread in threads:
        thread.join(timeout=5)


def _settings(served: Served) -> ProxmoxSettings:
    return ProxmoxSettings(
        url=served.url,
        token_id="root@pam!t",
        token_secret="framing-token-secret",
        fingerprint=served.fingerprint,
        read_timeout=5,
    )


def test_a_chunked_answer_is_decoded(serve: Serve) -> None:
    served = serve([chunked()])
    with ProxmoxClient(_settings(served)) as client:
        assert client.version().version == "9.0.3"


def test_an_answer_with_connection_close_is_followed_by_a_new_connection(serve: Serve) -> None:
    served = serve([plain(extra=b"Connection: close\r\n")], [plain()])
    with ProxmoxClient(_settings(served)) as client:
        assert client.version().version == "9.0.3"
        assert client.version().version == "9.0.3"
    assert served.script.connections == 2


def test_a_connection_the_server_closed_while_idle_is_opened_again(serve: Serve) -> None:
    served = serve([plain()], [plain()])
    with ProxmoxClient(_settings(served)) as client:
        assert client.version().version == "9.0.3"
        assert served.script.hung_up.wait(5)
        # The kept-open connection is dead: the session finds out before sending on it, and opens a new one.
        assert client.version().version == "9.0.3"
    assert served.script.connections == 2


def test_an_answer_that_is_not_http_is_a_connection_error(serve: Serve) -> None:
    served = serve([b"SSH-2.0-OpenSSH_9.6\r\n\r\n"])
    with (
        ProxmoxClient(_settings(served)) as client,
        pytest.raises(ProxmoxConnectionError, match="broke before an answer arrived"),
    ):
        client.version()


def test_requests_share_one_connection_and_carry_the_host_the_token_and_a_form_with_its_length(serve: Serve) -> None:
    served = serve([plain(), plain(b'{"data":null}')])
    session = Session(_settings(served))
    try:
        session.call("GET", "/version")
        session.call("PUT", "/nodes/pve1/qemu/100/config", {"cores": 2, "onboot": True})
    finally:
        session.close()
    get, put = served.script.requests
    port = served.url.rsplit(":", 1)[1]
    assert get.split(b"\r\n")[0] == b"GET /api2/json/version HTTP/1.1"
    assert b"\r\nHost: 127.0.0.1:" + port.encode() in get
    assert b"\r\nAuthorization: PVEAPIToken=root@pam!t=framing-token-secret" in get
    assert b"Content-Length" not in get
    assert put.split(b"\r\n")[0] == b"PUT /api2/json/nodes/pve1/qemu/100/config HTTP/1.1"
    assert b"\r\nContent-Type: application/x-www-form-urlencoded" in put
    assert b"\r\nContent-Length: 16\r\n" in put
    assert put.endswith(b"\r\n\r\ncores=2&onboot=1")
    assert served.script.connections == 1, "both requests on one kept-open connection"


@pytest.mark.parametrize("serve", ["::1"], indirect=True)
def test_an_ipv6_host_is_reached_and_named_in_brackets(serve: Serve) -> None:
    served = serve([plain()])
    with ProxmoxClient(_settings(served)) as client:
        assert client.version().version == "9.0.3"
    (request,) = served.script.requests
    port = served.url.rsplit(":", 1)[1]
    assert f"\r\nHost: [::1]:{port}\r\n".encode() in request
