"""What can go wrong when we talk to a DNS provider, as types a caller can branch on.

Every error is one sentence a person can read in the service log. None ever holds the provider key: providers
build their messages from our own words plus what the provider answered, and `scrub` takes the key out of the
answer too, should a provider echo it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

MASK = "***"


class DnsError(Exception):
    """Base of every DNS adapter error; `str()` is one human sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DnsConfigError(DnsError):
    """The zone's settings are unusable (an unknown provider, a URL that is no URL, a name that is no name)."""


class DnsConnectionError(DnsError):
    """No answer reached us: refused, unknown host, timeout, or the connection dropped."""


class DnsAuthError(DnsError):
    """The provider refused our credentials."""


class DnsZoneMissingError(DnsError):
    """The provider does not hold the zone (or our credentials cannot see it)."""


class DnsApiError(DnsError):
    """The provider refused the request: its status and what it said."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class DnsResponseError(DnsError):
    """The provider answered with something its API does not promise (not JSON, an empty body, a proxy page)."""


def scrub(text: str, *secrets: str) -> str:
    """`text` with every non-empty secret (and each part of a `key:secret` pair) masked."""
    parts: set[str] = set()
    for secret in secrets:
        parts.add(secret)
        parts.update(secret.split(":"))
    for part in sorted((p for p in parts if p), key=len, reverse=True):
        text = text.replace(part, MASK)
    return text


def _reason(error: BaseException) -> str:
    """The innermost low-level reason (`[Errno 111] Connection refused`), without its final period."""
    current: BaseException = error
    while current.__cause__ is not None or current.__context__ is not None:
        current = current.__cause__ or current.__context__  # type: ignore[assignment]
    text = str(current).strip() or str(error).strip() or type(error).__name__
    return text.rstrip(".")


def transport_error(provider: str, url: str, error: BaseException, *secrets: str, timed_out: bool = False) -> DnsError:
    """The sentence for a request that got no answer: which provider, where, and why."""
    if timed_out:
        message = _("%(provider)s at %(url)s did not answer in time.") % {"provider": provider, "url": url}
    else:
        message = _("Could not reach %(provider)s at %(url)s: %(reason)s.") % {
            "provider": provider,
            "url": url,
            "reason": _reason(error),
        }
    return DnsConnectionError(scrub(message, *secrets))
