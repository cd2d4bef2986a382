"""The DNS adapter: forward and reverse records kept at Cloudflare, PowerDNS Authoritative or HestiaCP (SPEC S12).

Nothing outside this package talks to a DNS provider, and nothing here imports a proxvps app. A caller builds
the record sets it wants (`RecordSet.of`), opens the zone's provider with `connect`, and runs `sync` or
`remove`: the provider's records are read, a plan is made, and each change is applied on its own.
"""

from django.utils.translation import gettext as _

from proxvps.dns.base import (
    Change,
    Plan,
    RecordKey,
    RecordSet,
    ZoneProvider,
    ZoneResult,
    absolute,
    best_zone,
    canonical_name,
    in_zone,
    plan_removal,
    plan_sync,
    remove,
    sync,
)
from proxvps.dns.errors import (
    DnsApiError,
    DnsAuthError,
    DnsConfigError,
    DnsConnectionError,
    DnsError,
    DnsResponseError,
    DnsZoneMissingError,
)
from proxvps.dns.settings import CLOUDFLARE_URL, PROVIDERS, ProviderKind, ZoneSettings, normalize_url

__all__ = [
    "CLOUDFLARE_URL",
    "PROVIDERS",
    "Change",
    "DnsApiError",
    "DnsAuthError",
    "DnsConfigError",
    "DnsConnectionError",
    "DnsError",
    "DnsResponseError",
    "DnsZoneMissingError",
    "Plan",
    "ProviderKind",
    "RecordKey",
    "RecordSet",
    "ZoneProvider",
    "ZoneResult",
    "ZoneSettings",
    "absolute",
    "best_zone",
    "canonical_name",
    "connect",
    "in_zone",
    "normalize_url",
    "plan_removal",
    "plan_sync",
    "remove",
    "sync",
]


def connect(settings: ZoneSettings) -> ZoneProvider:
    """The provider for the zone; close it when done. Building one sends nothing."""
    # Each provider is imported when a zone of its kind is used: the Cloudflare SDK and httpx take a few tenths of
    # a second of CPU to import, which every `proxvps cron` run and worker start would pay for nothing.
    if settings.provider == "powerdns":
        from proxvps.dns.powerdns import PowerDnsZone

        return PowerDnsZone(settings)
    if settings.provider == "cloudflare":
        from proxvps.dns.cloudflare import CloudflareZone

        return CloudflareZone(settings)
    if settings.provider == "hestiacp":
        from proxvps.dns.hestiacp import HestiaZone

        return HestiaZone(settings)
    raise DnsConfigError(_("Unknown DNS provider %(provider)s.") % {"provider": settings.provider})
