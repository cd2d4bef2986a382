"""One keep-alive HTTPS session to a cluster: a request out, PVE's `data` back, or a typed error.

Parameters go out as PVE reads them (query string for GET/DELETE, form body otherwise), with booleans as
1/0 and None values dropped, so a request carries only what the caller set. Transport failures become
`ProxmoxConnectionError` / `ProxmoxTLSError` with one sentence; PVE's error answers become `ProxmoxApiError`
subclasses. The token secret is scrubbed from any text we put in an error, whatever the server echoed.

The session speaks HTTP/1.1 over one connection, kept open between requests: it writes each request's few lines
itself and reads the answer with httptools (`ProxmoxConnection.exchange`). It used httpx, then `http.client`:
measured against the sandbox, a request cost 1.4 ms of CPU with httpx (most of it parsing and rebuilding URLs and
headers), 0.36 ms with `http.client` and 0.23 ms this way, and a deploy sends twenty. What those gave beyond one
connection (a pool, HTTP/2, redirects, cookies, proxies) a PVE API client does not use. A worker pass talks to a
cluster from one thread; the lock makes a session safe to share all the same.
"""

from __future__ import annotations

import json
import logging
import re
import select
import socket
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import httptools
from django.utils.translation import gettext as _

from proxvps.proxmox.connection import API_PATH, Answer, ProxmoxConnection, ProxmoxSettings
from proxvps.proxmox.errors import (
    ProxmoxConnectionError,
    ProxmoxError,
    ProxmoxResponseError,
    ProxmoxTLSError,
    api_error,
)
from proxvps.proxmox.types import as_mapping

logger = logging.getLogger("proxvps.proxmox")

Param = str | int | float | bool | None
Params = Mapping[str, Param]


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
"""What percent-encoding leaves as it is (RFC 3986's unreserved characters): most segments and values, which then
skip `quote` (a deploy's requests carry some 170 of them)."""


def _quoted(text: str, plus: bool = False) -> str:
    """`text` percent-encoded as `quote(text, safe="")` does (`quote_plus` with `plus`, as `urlencode` does)."""
    if _UNRESERVED.fullmatch(text):
        return text
    return quote_plus(text, safe="") if plus else quote(text, safe="")


def path(*segments: str | int) -> str:
    """An API path with each segment percent-encoded (volume ids and CIDRs contain `:` and `/`)."""
    return "/" + "/".join(_quoted(str(segment)) for segment in segments)


def _form(values: Mapping[str, str]) -> str:
    """The parameters as `urlencode` writes them: `key=value` pairs joined by `&`, spaces as `+`."""
    return "&".join(f"{_quoted(key, plus=True)}={_quoted(value, plus=True)}" for key, value in values.items())


def wire(value: str | int | float | bool) -> str:
    """A parameter value as PVE parses it: booleans as 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@dataclass(frozen=True)
class SentRequest:
    """A request as it went out, for those watching the session (`Session.watchers`): the method, the target
    (API path and query string, as encoded on the wire) and the form body."""

    method: str
    target: str
    body: str


def _reason(exc: BaseException) -> str:
    """The text of a low-level error for the end of our sentence, without its own final period."""
    return str(exc).strip().rstrip(".") or type(exc).__name__


def _dead(connection: ProxmoxConnection) -> bool:
    """Whether a kept-open connection was closed by the server meanwhile: an idle socket with something to read
    has only its end of stream to give. Sending on it would fail, or be lost, so it is opened again first."""
    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    readable, _w, _x = select.select([sock], [], [], 0)
    return bool(readable)


class Session:
    """The connection of one cluster: TLS trust, timeouts and token auth. `watchers` are called with each request
    before it is sent."""

    def __init__(self, settings: ProxmoxSettings) -> None:
        self.settings = settings
        self.watchers: list[Callable[[SentRequest], None]] = []
        self._connection = ProxmoxConnection(settings)
        self._lock = threading.Lock()
        connection = self._connection
        host = f"[{connection.host}]" if ":" in connection.host else connection.host
        self._head = (
            f"Host: {host}:{connection.port}\r\nAccept: application/json\r\n"
            f"Authorization: PVEAPIToken={settings.token_id}={settings.token_secret}\r\n"
        )
        """The header lines every request carries; a form adds its type and length."""

    def close(self) -> None:
        """Close the connection; a later call opens a new one."""
        with self._lock:
            self._connection.close()

    def call(self, method: str, api_path: str, params: Params | None = None) -> Any:
        """Send one request and return PVE's `data`; raise a ProxmoxError subclass for anything else."""
        values = {key: wire(value) for key, value in (params or {}).items() if value is not None}
        form = method in ("POST", "PUT")
        encoded = _form(values)
        target = API_PATH + api_path + ("?" + encoded if encoded and not form else "")
        body = encoded if form else ""
        for watch in self.watchers:
            watch(SentRequest(method, target, body))
        head = f"{method} {target} HTTP/1.1\r\n{self._head}"
        payload = body.encode()
        if form:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(payload)}\r\n"
        with self._lock:
            answer = self._exchange(head.encode() + b"\r\n" + payload)
        logger.debug("HTTP Request: %s %s -> %s %s", method, api_path, answer.status, answer.reason)
        return self._data(answer.status, answer.reason, answer.body)

    def call_object(self, method: str, api_path: str, params: Params | None = None) -> Mapping[str, Any]:
        """An answer that is one object (empty when PVE sends null)."""
        return as_mapping(self.call(method, api_path, params))

    def call_list(self, method: str, api_path: str, params: Params | None = None) -> list[Mapping[str, Any]]:
        """An answer that is a list of objects (PVE sends null for an empty list at times)."""
        data = self.call(method, api_path, params)
        return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []

    def _exchange(self, request: bytes) -> Answer:
        """One request and its whole answer on the kept-open connection, opened (again) first when needed. After
        any failure the connection is closed, so the next call starts on a fresh one."""
        connection = self._connection
        try:
            if _dead(connection):
                connection.close()
            if connection.sock is None:
                connection.connect()
        except ProxmoxError:
            raise
        except OSError as exc:
            connection.close()
            raise self._connect_error(exc) from exc
        try:
            return connection.exchange(request)
        except (OSError, httptools.HttpParserError) as exc:
            connection.close()
            raise self._answer_error(exc) from exc

    def _scrub(self, text: str) -> str:
        return text.replace(self.settings.token_secret, "***")

    def _data(self, status: int, reason: str, payload: bytes) -> Any:
        try:
            body = json.loads(payload) if payload else None
        except ValueError:
            body = None
        if not 200 <= status < 300:
            answer = as_mapping(body)
            message = str(answer.get("message") or reason or "").strip()
            fields = as_mapping(answer.get("errors"))
            raise api_error(
                status,
                self._scrub(message),
                {str(key): self._scrub(str(value)) for key, value in fields.items()},
            )
        if not isinstance(body, Mapping) or "data" not in body:
            raise ProxmoxResponseError(
                _("Proxmox at %(host)s sent an answer that is not its JSON API (HTTP %(status)s).")
                % {"host": self.settings.host, "status": status}
            )
        return body["data"]

    def _connect_error(self, exc: BaseException) -> ProxmoxError:
        """One sentence for a failure to open the connection: TLS trust, refused, unknown host, timeout."""
        host = self.settings.host
        if isinstance(exc, ssl.SSLCertVerificationError):
            return ProxmoxTLSError(
                _("The certificate of Proxmox at %(host)s is not trusted (%(reason)s).")
                % {"host": host, "reason": exc.verify_message or _reason(exc)}
            )
        if isinstance(exc, ssl.SSLError):
            return ProxmoxTLSError(
                _("The TLS handshake with Proxmox at %(host)s failed (%(reason)s).")
                % {"host": host, "reason": exc.reason or _reason(exc)}
            )
        if isinstance(exc, TimeoutError):
            return ProxmoxConnectionError(
                _("Proxmox at %(host)s did not accept a connection within %(seconds)s seconds.")
                % {"host": host, "seconds": self.settings.connect_timeout}
            )
        if isinstance(exc, socket.gaierror):
            return ProxmoxConnectionError(
                _("The Proxmox host name in %(host)s could not be resolved.") % {"host": host}
            )
        if isinstance(exc, ConnectionRefusedError):
            return ProxmoxConnectionError(_("Proxmox at %(host)s refused the connection.") % {"host": host})
        return ProxmoxConnectionError(
            _("Could not connect to Proxmox at %(host)s (%(reason)s).")
            % {"host": host, "reason": self._scrub(_reason(exc))}
        )

    def _answer_error(self, exc: BaseException) -> ProxmoxError:
        """One sentence for a failure on an open connection: no answer in time, or the connection broke."""
        host = self.settings.host
        if isinstance(exc, TimeoutError):
            return ProxmoxConnectionError(
                _("Proxmox at %(host)s did not answer within %(seconds)s seconds.")
                % {"host": host, "seconds": self.settings.read_timeout}
            )
        return ProxmoxConnectionError(
            _("The connection to Proxmox at %(host)s broke before an answer arrived (%(reason)s).")
            % {"host": host, "reason": self._scrub(_reason(exc))}
        )
