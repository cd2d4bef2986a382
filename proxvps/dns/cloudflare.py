"""Cloudflare through its official Python SDK (`cloudflare`), with an API token (`Authorization: Bearer`).

Cloudflare holds records one by one, each with an id: a record set is read with one filtered list call per name
and type, and a change becomes per-record calls (PUT to rewrite a record in place, POST to add one, DELETE to
remove one). The SDK's base URL is the zone's configured URL, so a self-hosted gateway or a test fake can stand
in for api.cloudflare.com. The SDK's own retries are off: a step never sleeps; the next pass tries again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any, Literal, cast

import cloudflare
from django.utils.translation import gettext as _

from proxvps.dns.base import Change, RecordKey, RecordSet, canonical_name, canonical_value
from proxvps.dns.errors import (
    DnsApiError,
    DnsAuthError,
    DnsError,
    DnsResponseError,
    DnsZoneMissingError,
    scrub,
    transport_error,
)
from proxvps.dns.settings import ZoneSettings

LABEL = "Cloudflare"
PER_PAGE = 100
CfType = Literal["A", "AAAA", "PTR", "CNAME", "NS"]


class CloudflareZone:
    def __init__(self, settings: ZoneSettings) -> None:
        self.settings = settings
        self._client = cloudflare.Cloudflare(
            api_token=settings.credentials,
            base_url=settings.url,
            max_retries=0,
            timeout=settings.timeout,
        )
        self._zone_id: str | None = None
        self._ids: dict[RecordKey, dict[str, str]] = {}
        """Record ids by value, per record set, as `existing` read them: what updates and deletes address."""

    @property
    def zone(self) -> str:
        return canonical_name(self.settings.zone)

    def close(self) -> None:
        self._client.close()

    def _error(self, error: cloudflare.CloudflareError) -> DnsError:
        """One sentence for what the SDK raised, with Cloudflare's own error messages and never the token."""
        secret = self.settings.credentials
        if isinstance(error, cloudflare.APIConnectionError):
            timed_out = isinstance(error, cloudflare.APITimeoutError)
            return transport_error(LABEL, self.settings.url, error, secret, timed_out=timed_out)
        if isinstance(error, cloudflare.AuthenticationError | cloudflare.PermissionDeniedError):
            return DnsAuthError(_("Cloudflare refused the API token for zone %(zone)s.") % {"zone": self.zone})
        if isinstance(error, cloudflare.APIStatusError):
            return DnsApiError(
                scrub(
                    _("Cloudflare refused the request for zone %(zone)s (%(status)s: %(error)s).")
                    % {"zone": self.zone, "status": error.status_code, "error": _messages(error.body)},
                    secret,
                ),
                error.status_code,
            )
        return DnsResponseError(
            _("Cloudflare answered with something its API does not describe for zone %(zone)s.") % {"zone": self.zone}
        )

    @contextmanager
    def _sdk(self) -> Iterator[None]:
        """Around SDK calls only: their failures as our errors. The SDK parses what it is given without checking
        it is JSON, so an HTML page or an empty body ends in an AttributeError or TypeError deep inside it (the
        seed had this bug too): that is the provider's answer at fault, and the error says so."""
        try:
            yield
        except cloudflare.CloudflareError as error:
            raise self._error(error) from None
        except (AttributeError, TypeError, ValueError):
            raise DnsResponseError(
                _("Cloudflare answered with something its API does not describe for zone %(zone)s.")
                % {"zone": self.zone}
            ) from None

    def _zone(self) -> str:
        if self._zone_id is None:
            account = self.settings.account.strip()
            with self._sdk():  # stops at the first match: no further page is read
                zones = self._client.zones.list(
                    name=self.zone, account={"id": account} if account else cloudflare.omit, per_page=PER_PAGE
                )
                found = next((zone.id for zone in zones if canonical_name(zone.name) == self.zone), None)
            if found is None:
                raise DnsZoneMissingError(
                    _("Zone %(zone)s does not exist at Cloudflare for this API token.") % {"zone": self.zone}
                )
            self._zone_id = found
        return self._zone_id

    def existing(self, keys: Collection[RecordKey]) -> list[RecordSet]:
        found: list[RecordSet] = []
        zone_id = self._zone()
        for name, rtype in sorted(keys):
            with self._sdk():  # iterating reads the further pages
                records = list(
                    self._client.dns.records.list(
                        zone_id=zone_id, name={"exact": name}, type=cast(CfType, rtype), per_page=PER_PAGE
                    )
                )
            ids = {canonical_value(rtype, record.content or ""): record.id for record in records}
            self._ids[(name, rtype)] = ids
            if ids:
                found.append(RecordSet.of(name, rtype, ids, min(int(record.ttl) for record in records)))
        return found

    def apply(self, change: Change) -> None:
        name, rtype = change.key
        kind = cast(CfType, rtype)
        ids = self._ids.get(change.key, {})
        fields: dict[str, Any] = {"ttl": change.ttl}
        if rtype in ("A", "AAAA"):
            fields["proxied"] = False
        zone_id = self._zone()
        records = self._client.dns.records
        for old, new in change.edits():
            with self._sdk():
                if old is not None and new is not None:
                    records.update(ids[old], zone_id=zone_id, name=name, type=kind, content=new, **fields)
                elif new is not None:
                    records.create(zone_id=zone_id, name=name, type=kind, content=new, **fields)
                elif old is not None:
                    records.delete(ids[old], zone_id=zone_id)


def _messages(body: object) -> str:
    """Cloudflare's `errors[].message` texts (`Record already exists.`), or a word that there were none."""
    errors = body.get("errors") if isinstance(body, dict) else None
    texts = [str(item.get("message", "")) for item in errors or [] if isinstance(item, dict)]
    return "; ".join(text.strip().rstrip(".") for text in texts if text.strip()) or _("no message")
