"""What can go wrong when we talk to Proxmox, as types a caller can branch on.

Every error carries one sentence a person can read (admin banner, `proxvps check-server`, service log): never
a traceback, never the token secret. Callers branch on the type, not the text: a connection or TLS problem is
the cluster's reachability, a `ProxmoxApiError` is Proxmox's answer to this request, and its subclasses name
the answers a step treats specially (bad token, missing privilege, node down, stale digest, locked VM).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _


class ProxmoxError(Exception):
    """Base of every adapter error; `str()` is one human sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ProxmoxConfigError(ProxmoxError):
    """The connection settings themselves are unusable (bad URL, fingerprint, CA file)."""


class ProxmoxConnectionError(ProxmoxError):
    """No answer reached us: refused, unknown host, timeout, or the connection dropped mid-request."""


class ProxmoxTLSError(ProxmoxError):
    """The server's certificate is not the one we trust; nothing was sent to it.

    For a pinned fingerprint both `expected` and `presented` are set so the admin can compare them.
    """

    def __init__(self, message: str, expected: str | None = None, presented: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.presented = presented


class ProxmoxResponseError(ProxmoxError):
    """Proxmox answered with something that is not the JSON its API promises (a proxy page, a cut body)."""


# PVE words a missing object in many ways; cleanups use `missing` to treat these as "already gone".
_MISSING = re.compile(r"does not exist|no such|not found|doesn't exist", re.IGNORECASE)


class ProxmoxApiError(ProxmoxError):
    """Proxmox refused the request: its status, its message and its per-parameter errors."""

    def __init__(self, status: int, pve_message: str, field_errors: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.pve_message = pve_message.strip()
        self.field_errors: dict[str, str] = dict(field_errors or {})
        super().__init__(self._sentence())

    def _detail(self) -> str:
        """PVE's message with the field errors, as PVE's own CLI prints them."""
        parts = [self.pve_message or _("no message")]
        parts += [f"{name}: {text.strip()}" for name, text in sorted(self.field_errors.items())]
        return "; ".join(part.rstrip(".") for part in parts)

    def _sentence(self) -> str:
        return _("Proxmox refused the request (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }

    @property
    def missing(self) -> bool:
        """True when PVE says the object the request names does not exist (a cleanup may call it done)."""
        return bool(_MISSING.search(self.pve_message))


class ProxmoxAuthError(ProxmoxApiError):
    """401: the API token is unknown, expired or its secret is wrong."""

    def _sentence(self) -> str:
        return _("Proxmox rejected the API token (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }


class ProxmoxPermissionError(ProxmoxApiError):
    """403: the token is valid but lacks a privilege (PVE names the path and privilege)."""

    def _sentence(self) -> str:
        return _("The API token lacks a permission Proxmox requires (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }


class ProxmoxNodeUnreachableError(ProxmoxApiError):
    """595: the node we called could not reach the node the request is for (it is offline or cut off)."""

    def _sentence(self) -> str:
        return _("The Proxmox node is unreachable from the cluster (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }


class ProxmoxConflictError(ProxmoxApiError):
    """The digest we sent is stale: someone changed the configuration since we read it. Re-read and retry."""

    def _sentence(self) -> str:
        return _("The configuration changed on Proxmox since it was read (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }


class ProxmoxLockedError(ProxmoxApiError):
    """The VM is locked (backup, migrate, snapshot, ...) or its config lock timed out. Retry later."""

    def _sentence(self) -> str:
        return _("The VM is locked on Proxmox by another operation (%(status)s %(detail)s).") % {
            "status": self.status,
            "detail": self._detail(),
        }


_CONFLICT = re.compile(r"checksum mismatch|detected modified configuration", re.IGNORECASE)
_LOCKED = re.compile(r"VM is locked|can't lock file", re.IGNORECASE)


def api_error(status: int, pve_message: str, field_errors: Mapping[str, str] | None = None) -> ProxmoxApiError:
    """The most specific error type for an answer of PVE with this status and message."""
    kind: type[ProxmoxApiError] = ProxmoxApiError
    if status == 401:
        kind = ProxmoxAuthError
    elif status == 403:
        kind = ProxmoxPermissionError
    elif status == 595:
        kind = ProxmoxNodeUnreachableError
    elif _CONFLICT.search(pve_message):
        kind = ProxmoxConflictError
    elif _LOCKED.search(pve_message):
        kind = ProxmoxLockedError
    return kind(status, pve_message, field_errors)
