"""How we reach one Proxmox cluster: its settings, the TLS trust, and the httpx transport.

Trust is either a CA file (chain and host name checked by `ssl`) or a pinned SHA-256 fingerprint of the
server's certificate, which is what a self-signed PVE install offers. A pin is checked in the network stream
right after the TLS handshake, before httpx writes a single byte of the request, so a man in the middle
never sees the API token. With neither, the system's trusted CAs apply (a PVE behind a public certificate).
"""

from __future__ import annotations

import hashlib
import re
import ssl
import typing
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpcore
import httpx
from django.utils.translation import gettext as _

from proxvps import redaction
from proxvps.proxmox.errors import ProxmoxConfigError, ProxmoxTLSError

DEFAULT_PORT = 8006
API_PATH = "/api2/json"
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

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.read_timeout,
            pool=self.connect_timeout,
        )


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


class PinnedStream(httpcore.NetworkStream):
    """A TCP stream whose TLS upgrade fails unless the peer certificate has the pinned fingerprint."""

    def __init__(self, inner: httpcore.NetworkStream, fingerprint: str) -> None:
        self._inner = inner
        self._fingerprint = fingerprint

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.start_tls(ssl_context, server_hostname, timeout)
        ssl_object = stream.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(True) if ssl_object is not None else None
        presented = certificate_fingerprint(der) if der else None
        if presented != self._fingerprint:
            stream.close()
            raise ProxmoxTLSError(
                _(
                    "The Proxmox server presented a certificate with fingerprint %(presented)s, "
                    "but the pinned fingerprint is %(expected)s."
                )
                % {"presented": presented or _("(none)"), "expected": self._fingerprint},
                expected=self._fingerprint,
                presented=presented,
            )
        return stream

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, its streams wrapped in `PinnedStream`."""

    def __init__(self, fingerprint: str) -> None:
        self._backend = httpcore.SyncBackend()
        self._fingerprint = fingerprint

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return PinnedStream(stream, self._fingerprint)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class ProxmoxTransport(httpx.HTTPTransport):
    """httpx's transport with our TLS trust; for a pin, its connection pool uses `PinnedBackend`."""

    def __init__(self, settings: ProxmoxSettings, limits: httpx.Limits | None = None) -> None:
        context = ssl_context(settings)
        limits = limits or httpx.Limits(max_connections=10, max_keepalive_connections=5)
        super().__init__(verify=context, trust_env=False, limits=limits)
        if settings.fingerprint:
            self._pool = httpcore.ConnectionPool(
                ssl_context=context,
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=PinnedBackend(settings.fingerprint),
            )


class TokenAuth(httpx.Auth):
    """Adds `Authorization: PVEAPIToken=...` to each request; its repr shows the token id only."""

    def __init__(self, token_id: str, secret: str) -> None:
        self._token_id = token_id
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"PVEAPIToken={self._token_id}={self._secret}"
        yield request

    def __repr__(self) -> str:
        return f"TokenAuth({self._token_id!r})"
