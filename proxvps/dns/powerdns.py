"""PowerDNS Authoritative through its HTTP API (`/api/v1`, key in the `X-API-Key` header).

PowerDNS works in RRsets, as our plans do: a change is one PATCH of the zone with `changetype` REPLACE (the whole
set of values) or DELETE. Names go out fully qualified, ending in a dot; so does the content of PTR, CNAME and NS
records, which PowerDNS otherwise refuses as "not in expected format" (a bug of the seed's first version).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import quote

import httpx
from django.utils.translation import gettext as _

from proxvps.dns.base import Change, RecordKey, RecordSet, absolute, canonical_name, qualified_value
from proxvps.dns.errors import (
    DnsApiError,
    DnsAuthError,
    DnsResponseError,
    DnsZoneMissingError,
    scrub,
    transport_error,
)
from proxvps.dns.settings import ZoneSettings

LABEL = "PowerDNS"
DEFAULT_SERVER = "localhost"


class PowerDnsZone:
    def __init__(self, settings: ZoneSettings) -> None:
        self.settings = settings
        server = settings.account.strip() or DEFAULT_SERVER
        self._path = f"/servers/{quote(server, safe='')}/zones/{quote(absolute(settings.zone), safe='')}"
        self._http = httpx.Client(
            base_url=settings.url,
            headers={"X-API-Key": settings.credentials, "Accept": "application/json"},
            timeout=settings.timeout,
        )

    @property
    def zone(self) -> str:
        return canonical_name(self.settings.zone)

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, body: dict[str, Any] | None = None) -> httpx.Response:
        secret = self.settings.credentials
        try:
            response = self._http.request(method, self._path, json=body)
        except httpx.TransportError as error:
            timed_out = isinstance(error, httpx.TimeoutException)
            raise transport_error(LABEL, self.settings.url, error, secret, timed_out=timed_out) from None
        if response.status_code == 401:
            raise DnsAuthError(_("PowerDNS at %(url)s refused the API key.") % {"url": self.settings.url})
        if response.status_code == 404:
            raise DnsZoneMissingError(
                _("Zone %(zone)s does not exist on PowerDNS at %(url)s.")
                % {"zone": self.zone, "url": self.settings.url}
            )
        if response.status_code >= 400:
            raise DnsApiError(
                scrub(
                    _("PowerDNS refused the change to zone %(zone)s (%(status)s: %(error)s).")
                    % {"zone": self.zone, "status": response.status_code, "error": _error_text(response)},
                    secret,
                ),
                response.status_code,
            )
        return response

    def existing(self, keys: Collection[RecordKey]) -> list[RecordSet]:
        response = self._request("GET")
        try:
            return [
                RecordSet.of(
                    rrset["name"],
                    rrset["type"],
                    [record["content"] for record in rrset["records"] if not record.get("disabled")],
                    int(rrset["ttl"]),
                )
                for rrset in response.json()["rrsets"]
                if (canonical_name(rrset["name"]), rrset["type"]) in keys
            ]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise DnsResponseError(
                _("PowerDNS at %(url)s answered with something that is not a zone.") % {"url": self.settings.url}
            ) from None

    def apply(self, change: Change) -> None:
        name, rtype = change.key
        rrset: dict[str, Any] = {"name": absolute(name), "type": rtype}
        if change.after is None:
            rrset["changetype"] = "DELETE"
        else:
            rrset["changetype"] = "REPLACE"
            rrset["ttl"] = change.after.ttl
            rrset["records"] = [
                {"content": qualified_value(rtype, value), "disabled": False} for value in sorted(change.after.values)
            ]
        self._request("PATCH", {"rrsets": [rrset]})


def _error_text(response: httpx.Response) -> str:
    """PowerDNS's `error` field, or the start of whatever else it sent."""
    try:
        text = str(response.json().get("error", ""))
    except (ValueError, AttributeError):
        text = response.text
    return " ".join(text.split())[:300] or response.reason_phrase
