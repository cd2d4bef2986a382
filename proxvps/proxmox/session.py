"""One pooled HTTPS session to a cluster: a request out, PVE's `data` back, or a typed error.

Parameters go out as PVE reads them (query string for GET/DELETE, form body otherwise), with booleans as
1/0 and None values dropped, so a request carries only what the caller set. Transport failures become
`ProxmoxConnectionError` / `ProxmoxTLSError` with one sentence; PVE's error answers become `ProxmoxApiError`
subclasses. The token secret is scrubbed from any text we put in an error, whatever the server echoed.
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.translation import gettext as _

from proxvps.proxmox.connection import ProxmoxSettings, ProxmoxTransport, TokenAuth
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


def path(*segments: str | int) -> str:
    """An API path with each segment percent-encoded (volume ids and CIDRs contain `:` and `/`)."""
    return "/" + "/".join(quote(str(segment), safe="") for segment in segments)


def wire(value: str | int | float | bool) -> str:
    """A parameter value as PVE parses it: booleans as 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _reason(exc: BaseException) -> str:
    """The text of a low-level error for the end of our sentence, without its own final period."""
    return str(exc).strip().rstrip(".") or type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it was raised from, outermost first (httpx -> httpcore -> OSError)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


class Session:
    """The httpx client of one cluster: connection pool, timeouts, TLS trust and token auth."""

    def __init__(self, settings: ProxmoxSettings) -> None:
        self.settings = settings
        self._http = httpx.Client(
            base_url=settings.api_url,
            auth=TokenAuth(settings.token_id, settings.token_secret),
            transport=ProxmoxTransport(settings),
            timeout=settings.timeout,
            headers={"Accept": "application/json"},
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def call(self, method: str, api_path: str, params: Params | None = None) -> Any:
        """Send one request and return PVE's `data`; raise a ProxmoxError subclass for anything else."""
        values = {key: wire(value) for key, value in (params or {}).items() if value is not None}
        body = values if method in ("POST", "PUT") else None
        query = None if body is not None else values
        try:
            response = self._http.request(method, api_path, params=query, data=body)
        except ProxmoxError:
            raise
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        logger.debug("%s %s -> %s", method, api_path, response.status_code)
        return self._data(response)

    def call_object(self, method: str, api_path: str, params: Params | None = None) -> Mapping[str, Any]:
        """An answer that is one object (empty when PVE sends null)."""
        return as_mapping(self.call(method, api_path, params))

    def call_list(self, method: str, api_path: str, params: Params | None = None) -> list[Mapping[str, Any]]:
        """An answer that is a list of objects (PVE sends null for an empty list at times)."""
        data = self.call(method, api_path, params)
        return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []

    def _scrub(self, text: str) -> str:
        return text.replace(self.settings.token_secret, "***")

    def _data(self, response: httpx.Response) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not response.is_success:
            answer = as_mapping(body)
            message = str(answer.get("message") or response.reason_phrase or "").strip()
            fields = as_mapping(answer.get("errors"))
            raise api_error(
                response.status_code,
                self._scrub(message),
                {str(key): self._scrub(str(value)) for key, value in fields.items()},
            )
        if not isinstance(body, Mapping) or "data" not in body:
            raise ProxmoxResponseError(
                _("Proxmox at %(host)s sent an answer that is not its JSON API (HTTP %(status)s).")
                % {"host": self.settings.host, "status": response.status_code}
            )
        return body["data"]

    def _transport_error(self, exc: httpx.HTTPError) -> ProxmoxError:
        """One sentence for a failure below HTTP: TLS trust, refused, unknown host, timeout, dropped."""
        host = self.settings.host
        causes = _causes(exc)
        for cause in causes:
            if isinstance(cause, ssl.SSLCertVerificationError):
                return ProxmoxTLSError(
                    _("The certificate of Proxmox at %(host)s is not trusted (%(reason)s).")
                    % {"host": host, "reason": cause.verify_message or _reason(cause)}
                )
            if isinstance(cause, ssl.SSLError):
                return ProxmoxTLSError(
                    _("The TLS handshake with Proxmox at %(host)s failed (%(reason)s).")
                    % {"host": host, "reason": cause.reason or _reason(cause)}
                )
        if isinstance(exc, httpx.ConnectTimeout):
            return ProxmoxConnectionError(
                _("Proxmox at %(host)s did not accept a connection within %(seconds)s seconds.")
                % {"host": host, "seconds": self.settings.connect_timeout}
            )
        if isinstance(exc, httpx.TimeoutException):
            return ProxmoxConnectionError(
                _("Proxmox at %(host)s did not answer within %(seconds)s seconds.")
                % {"host": host, "seconds": self.settings.read_timeout}
            )
        if any(isinstance(cause, socket.gaierror) for cause in causes):
            return ProxmoxConnectionError(
                _("The Proxmox host name in %(host)s could not be resolved.") % {"host": host}
            )
        if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
            return ProxmoxConnectionError(_("Proxmox at %(host)s refused the connection.") % {"host": host})
        if isinstance(exc, httpx.ConnectError):
            return ProxmoxConnectionError(
                _("Could not connect to Proxmox at %(host)s (%(reason)s).")
                % {"host": host, "reason": self._scrub(_reason(exc))}
            )
        return ProxmoxConnectionError(
            _("The connection to Proxmox at %(host)s broke before an answer arrived (%(reason)s).")
            % {"host": host, "reason": self._scrub(_reason(exc))}
        )
