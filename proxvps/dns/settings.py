"""A zone's connection settings, and the one function that puts a provider URL into its canonical form.

Admins type provider URLs every which way (`hestia.example.com`, `https://hestia.example.com:8083`,
`http://pdns:8081/api/v1/`). The seed broke on some of them (a HestiaCP URL without its trailing `/`), so the
URL is normalised once, on save, and the providers take it as it is stored: scheme (the provider's usual one when
none is given), host, port (the provider's default port when no scheme or port is given; a port that is the
scheme's default dropped), and the provider's API path with exactly the trailing slash the provider wants.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Final, Literal
from urllib.parse import urlsplit, urlunsplit

from django.utils.translation import gettext as _

from proxvps.dns.errors import DnsConfigError

ProviderKind = Literal["powerdns", "cloudflare", "hestiacp"]
PROVIDERS: Final[tuple[ProviderKind, ...]] = ("powerdns", "cloudflare", "hestiacp")

CLOUDFLARE_URL: Final = "https://api.cloudflare.com/client/v4"


@dataclass(frozen=True)
class _UrlRule:
    scheme: str
    """Used when the admin gave none."""
    port: int | None
    """Used when the admin gave neither scheme nor port."""
    api_path: str
    """The path the API lives under, as the provider wants it (HestiaCP wants the trailing slash)."""
    default: str = ""
    """The URL an empty field stands for (Cloudflare's public API)."""


_RULES: Final[dict[str, _UrlRule]] = {
    "powerdns": _UrlRule("http", 8081, "/api/v1"),
    "cloudflare": _UrlRule("https", None, "/client/v4", default=CLOUDFLARE_URL),
    "hestiacp": _UrlRule("https", 8083, "/api/"),
}
_SCHEME_PORTS: Final = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ZoneSettings:
    """What a provider needs to manage one zone. The credentials never show in a repr or a traceback."""

    provider: ProviderKind
    zone: str
    url: str
    credentials: str = field(repr=False)
    account: str = ""
    """PowerDNS: the server id (default `localhost`); Cloudflare: the account id the zone is looked up in
    (optional); HestiaCP: the user that owns the zone (default `admin`)."""
    ttl: int = 3600
    timeout: float = 10.0


def _with_api_path(path: str, api_path: str) -> str:
    """`path` ending in the provider's API path, whether the admin typed all of it, part of it, or none.

    A resource path pasted after the API's (`/api/v1/servers/localhost`) is cut back to the API path; a start
    of it (`/api` for `/api/v1`) is completed instead of doubled; a proxy prefix (`/pdns`) is kept in front."""
    have = [segment for segment in path.split("/") if segment]
    want = [segment for segment in api_path.split("/") if segment]
    for start in range(len(have) - len(want) + 1):
        if have[start : start + len(want)] == want:
            have = have[: start + len(want)]
            break
    else:
        typed = next((n for n in range(len(want) - 1, 0, -1) if have[len(have) - n :] == want[:n]), 0)
        have += want[typed:]
    return "/" + "/".join(have) + ("/" if api_path.endswith("/") else "")


def normalize_url(provider: str, url: str) -> str:
    """The canonical form of a provider URL; DnsConfigError with one sentence when it is no usable URL."""
    rule = _RULES.get(provider)
    if rule is None:
        raise DnsConfigError(_("Unknown DNS provider %(provider)s.") % {"provider": provider})
    text = url.strip()
    if not text:
        if rule.default:
            return rule.default
        raise DnsConfigError(_("Enter the URL of the provider's API."))
    given_scheme = "://" in text
    example = f"{rule.scheme}://dns.example.com" + (f":{rule.port}" if rule.port else "")
    problem = _("Enter a URL such as %(example)s.") % {"example": example}
    try:
        parts = urlsplit(text if given_scheme else f"{rule.scheme}://{text}")
    except ValueError:  # an unclosed [ of an IPv6 host, and the like
        raise DnsConfigError(problem) from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEME_PORTS or parts.query or parts.fragment or parts.username or parts.password:
        raise DnsConfigError(problem)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise DnsConfigError(problem) from None
    if not host:
        raise DnsConfigError(problem)
    if port is None and not given_scheme:
        port = rule.port
    if port == _SCHEME_PORTS[scheme]:
        port = None
    try:
        shown_host = f"[{ipaddress.IPv6Address(host).compressed}]"
    except ValueError:
        shown_host = host.lower()
    netloc = shown_host if port is None else f"{shown_host}:{port}"
    return urlunsplit((scheme, netloc, _with_api_path(parts.path, rule.api_path), "", ""))
