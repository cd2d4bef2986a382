"""HestiaCP through its API: a form POST to `/api/` naming a `v-*` command and its arguments.

The credentials are an access key pair (`ACCESS_KEY:SECRET_KEY`, sent as `access_key` and `secret_key`) or a
legacy API key (sent as `hash`); they travel in the body, never in the URL. The zone is read with
`v-list-dns-records USER DOMAIN json`; records are added, rewritten in place and removed by id with
`v-add-dns-record`, `v-change-dns-record` and `v-delete-dns-record`. HestiaCP answers a failed command with a
4xx status, an `Error: ...` text and the command's exit code in the `Hestia-Exit-Code` header.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

import httpx
from django.utils.translation import gettext as _

from proxvps.dns.base import Change, RecordKey, RecordSet, canonical_name, canonical_value, qualified_value, relative
from proxvps.dns.errors import (
    DnsApiError,
    DnsAuthError,
    DnsResponseError,
    DnsZoneMissingError,
    scrub,
    transport_error,
)
from proxvps.dns.settings import ZoneSettings

LABEL = "HestiaCP"
DEFAULT_USER = "admin"
EXIT_HEADER = "Hestia-Exit-Code"
E_NOTEXIST: Final = "3"
E_PASSWORD: Final = "9"
E_FORBIDDEN: Final = "10"
RESTART = "yes"
"""Each command reloads the DNS server, so every change is live when its call returns."""


class HestiaZone:
    def __init__(self, settings: ZoneSettings) -> None:
        self.settings = settings
        self._user = settings.account.strip() or DEFAULT_USER
        self._http = httpx.Client(timeout=settings.timeout)
        self._ids: dict[RecordKey, dict[str, str]] = {}
        """Record ids by value, per record set, as `existing` read them: what changes and deletes address."""

    @property
    def zone(self) -> str:
        return canonical_name(self.settings.zone)

    def close(self) -> None:
        self._http.close()

    def _auth(self) -> dict[str, str]:
        key = self.settings.credentials.strip()
        if ":" in key:
            access, secret = key.split(":", 1)
            return {"access_key": access, "secret_key": secret}
        return {"hash": key}

    def _call(self, command: str, *args: str) -> httpx.Response:
        secret = self.settings.credentials
        data = {**self._auth(), "returncode": "no", "cmd": command}
        data.update({f"arg{number}": value for number, value in enumerate(args, start=1)})
        try:
            response = self._http.post(self.settings.url, data=data)
        except httpx.TransportError as error:
            timed_out = isinstance(error, httpx.TimeoutException)
            raise transport_error(LABEL, self.settings.url, error, secret, timed_out=timed_out) from None
        code = response.headers.get(EXIT_HEADER, "").strip()
        if response.status_code < 400 and code in ("", "0"):
            return response
        said = scrub(" ".join(response.text.split())[:300], secret).removeprefix("Error:").strip()
        if response.status_code == 401 or code in (E_PASSWORD, E_FORBIDDEN):
            raise DnsAuthError(
                _("HestiaCP at %(url)s refused the access key (%(error)s).") % {"url": self.settings.url, "error": said}
            )
        if code == E_NOTEXIST and command == "v-list-dns-records":
            raise DnsZoneMissingError(
                _("Zone %(zone)s of user %(user)s does not exist on HestiaCP at %(url)s.")
                % {"zone": self.zone, "user": self._user, "url": self.settings.url}
            )
        raise DnsApiError(
            _("HestiaCP refused %(command)s for zone %(zone)s (%(status)s: %(error)s).")
            % {"command": command, "zone": self.zone, "status": response.status_code, "error": said or code},
            response.status_code,
        )

    def existing(self, keys: Collection[RecordKey]) -> list[RecordSet]:
        response = self._call("v-list-dns-records", self._user, self.zone, "json")
        try:
            listed = response.json()
            records = [
                (str(record_id), record["RECORD"], str(record["TYPE"]).upper(), record["VALUE"], record.get("TTL"))
                for record_id, record in listed.items()
            ]
        except (ValueError, AttributeError, KeyError, TypeError):
            raise DnsResponseError(
                _("HestiaCP at %(url)s answered the record list of zone %(zone)s with something that is not JSON.")
                % {"url": self.settings.url, "zone": self.zone}
            ) from None
        self._ids = {}
        ttls: dict[RecordKey, int] = {}
        for record_id, label, rtype, value, ttl in records:
            name = self.zone if label == "@" else canonical_name(f"{label}.{self.zone}")
            if (name, rtype) in keys:
                self._ids.setdefault((name, rtype), {})[canonical_value(rtype, value)] = record_id
                ttls[(name, rtype)] = int(ttl) if str(ttl or "").isdigit() else self.settings.ttl
        return [RecordSet.of(name, rtype, ids, ttls[(name, rtype)]) for (name, rtype), ids in self._ids.items()]

    def apply(self, change: Change) -> None:
        name, rtype = change.key
        label, ttl = relative(name, self.zone), str(change.ttl)
        ids = self._ids.get(change.key, {})
        for old, new in change.edits():
            if old is not None and new is not None:
                value = qualified_value(rtype, new)
                self._call(
                    "v-change-dns-record", self._user, self.zone, ids[old], label, rtype, value, "", RESTART, ttl
                )
            elif new is not None:
                value = qualified_value(rtype, new)
                self._call("v-add-dns-record", self._user, self.zone, label, rtype, value, "", "", RESTART, ttl)
            elif old is not None:
                self._call("v-delete-dns-record", self._user, self.zone, ids[old], RESTART)
