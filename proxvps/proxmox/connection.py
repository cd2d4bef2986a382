"""How we reach one Proxmox cluster: its settings, the TLS trust, and the HTTPS connection.

Trust is either a CA file (chain and host name checked by `ssl`) or a pinned SHA-256 fingerprint of the
server's certificate, which is what a self-signed PVE install offers. A pin is checked right after the TLS
handshake, before a single byte of a request is written, so a man in the middle never sees the API token. With
neither, the system's trusted CAs apply (a PVE behind a public certificate).
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httptools
from django.utils.translation import gettext as _

from proxvps import redaction
from proxvps.proxmox.errors import ProxmoxConfigError, ProxmoxTLSError

DEFAULT_PORT = 8006
API_PATH = "/api2/json"
READ_SIZE = 65536
"""Bytes asked of the socket at a time: most answers arrive in one read."""
_HEX_PAIRS = re.compile(r"[0-9A-F]{64}")


def normalize_fingerprint(text: str) -> str:
    """`AB:CD:...` (uppercase hex pairs) from any spelling: lower case, without colons, with spaces.

    Raises ProxmoxConfigError unless it is a SHA-256 fingerprint (32 bytes).
    """
    compact = re.sub(r"[\s:]", "", text).upper()
    if not _HEX_PAIRS.fullmatch(compact):
        raise ProxmoxConfigError(
            _("The certificate fingerprint must be a SHA-256 fingerprint: 32 hex pairs such as AB:CD:...")
        )
    return ":".join(compact[i : i + 2] for i in range(0, 64, 2))


def certificate_fingerprint(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, as PVE shows it (`AB:CD:...`)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class ProxmoxSettings:
    """Where a cluster is and how we prove who we are and who it is.

    `url` may be `https://host:8006`, `host:8006` or just `host`. The token secret is left out of repr and
    registered with the log redactor, so printing or logging settings cannot leak it.
    """

    url: str
    token_id: str
    token_secret: str = field(repr=False)
    cafile: str | None = None
    fingerprint: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def __post_init__(self) -> None:
        redaction.remember(self.token_secret)
        if not re.fullmatch(r"[^@!\s]+@[^@!\s]+![A-Za-z][A-Za-z0-9._-]*", self.token_id):
            raise ProxmoxConfigError(_("The API token id must look like user@realm!tokenid."))
        if not self.token_secret or any(c.isspace() for c in self.token_secret):
            raise ProxmoxConfigError(_("The API token secret is empty or contains spaces."))
        if self.cafile and self.fingerprint:
            raise ProxmoxConfigError(_("Give either a CA file or a certificate fingerprint, not both."))
        if self.fingerprint:
            object.__setattr__(self, "fingerprint", normalize_fingerprint(self.fingerprint))
        if self.cafile and not Path(self.cafile).is_file():
            raise ProxmoxConfigError(_("The CA file %(path)s does not exist.") % {"path": self.cafile})
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ProxmoxConfigError(_("The connect and read timeouts must be positive."))
        object.__setattr__(self, "url", normalize_url(self.url))

    @property
    def api_url(self) -> str:
        """The JSON API root, e.g. `https://pve.example.com:8006/api2/json`."""
        return self.url + API_PATH

    @property
    def host(self) -> str:
        """`host:port`, for messages."""
        return urlsplit(self.url).netloc


def normalize_url(url: str) -> str:
    """`https://host:port` from what an admin types; refuses plain http (the token would travel in clear)."""
    text = url.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise ProxmoxConfigError(_("The Proxmox URL must be https://host[:port]."))
    if parts.path.rstrip("/") not in ("", API_PATH):
        raise ProxmoxConfigError(_("The Proxmox URL must not have a path other than /api2/json."))
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError as exc:
        raise ProxmoxConfigError(_("The port of the Proxmox URL is not a number.")) from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"https://{host}:{port}"


def ssl_context(settings: ProxmoxSettings) -> ssl.SSLContext:
    """The TLS context for the settings: CA file, system CAs, or (for a pin) no chain or host name check."""
    if settings.fingerprint:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=settings.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise ProxmoxConfigError(
            _("The CA file %(path)s could not be read as PEM certificates.") % {"path": settings.cafile}
        ) from exc


@dataclass(frozen=True)
class Answer:
    """One HTTP response as it arrived: status, reason phrase and body (chunked transfer already decoded)."""

    status: int
    reason: str
    body: bytes


class ConnectionClosedError(ConnectionError):
    """The server closed the connection before its answer was complete."""

    def __init__(self) -> None:
        super().__init__(_("the server closed the connection"))


class _Reading:
    """The callbacks httptools' parser calls as it reads one response: the reason phrase, whether the connection
    stays open (asked once the headers are in: the parser resets when the message ends), the body in pieces, and
    its end."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.reason = b""
        self.keep_alive = False
        self.body: list[bytes] = []
        self.complete = False

    def on_status(self, reason: bytes) -> None:
        self.reason += reason

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class ProxmoxConnection:
    """One keep-alive HTTPS connection to the cluster with our TLS trust: the handshake and TCP connect within the
    connect timeout, every later read within the read timeout, and for a pin the certificate checked before
    `connect` returns (and so before any request is sent).

    Requests go out as bytes the session composes; answers are read with httptools (llhttp, the parser uvicorn
    uses), not `http.client`: its header parsing through the `email` package was a third of a request's CPU, and a
    deploy sends twenty. The connection is closed after an answer that asks for it (`Connection: close`), and on
    any failure by the session."""

    def __init__(self, settings: ProxmoxSettings) -> None:
        parts = urlsplit(settings.url)
        assert parts.hostname is not None  # normalize_url made sure
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORT
        self.sock: ssl.SSLSocket | None = None
        self._context = ssl_context(settings)
        self._fingerprint = settings.fingerprint
        self._connect_timeout = settings.connect_timeout
        self._read_timeout = settings.read_timeout

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), timeout=self._connect_timeout)
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise
        if self._fingerprint:
            der = self.sock.getpeercert(True)
            presented = certificate_fingerprint(der) if der else None
            if presented != self._fingerprint:
                self.close()
                raise ProxmoxTLSError(
                    _(
                        "The Proxmox server presented a certificate with fingerprint %(presented)s, "
                        "but the pinned fingerprint is %(expected)s."
                    )
                    % {"presented": presented or _("(none)"), "expected": self._fingerprint},
                    expected=self._fingerprint,
                    presented=presented,
                )
        self.sock.settimeout(self._read_timeout)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def exchange(self, request: bytes) -> Answer:
        """Send a whole request and read its whole answer. Raises OSError (ConnectionClosedError when the server
        hangs up midway, TimeoutError past the read timeout) or httptools.HttpParserError for what is not HTTP."""
        sock = self.sock
        assert sock is not None, "connect() first"
        sock.sendall(request)
        reading = _Reading()
        while not reading.complete:
            data = sock.recv(READ_SIZE)
            if not data:
                raise ConnectionClosedError()
            reading.parser.feed_data(data)
        if not reading.keep_alive:
            self.close()
        return Answer(reading.parser.get_status_code(), reading.reason.decode("latin-1"), b"".join(reading.body))
