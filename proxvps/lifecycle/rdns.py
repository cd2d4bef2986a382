"""Reverse DNS a client sets (SPEC S17): the PTR name of each of its service's addresses, within the reverse zones
proxvps manages. The name is checked and stored here; the worker's "Set DNS records" operation writes it through
the DNS providers (`dnsrecords`), as it writes every record, so a provider that is down never blocks the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from proxvps.dns import best_zone
from proxvps.domain.naming import check_hostname
from proxvps.domain.reverse import ptr_name
from proxvps.inventory.models import OperationRequest, ReverseName, Service
from proxvps.ipam.models import Address, DnsZone
from proxvps.lifecycle.dnsrecords import request_dns_sync


class ReverseNameRefused(ValueError):  # noqa: N818 - a refusal: the message is the answer, shown at the input
    """The name cannot be set for the address; the message says why in one sentence."""


@dataclass(frozen=True)
class ReverseEntry:
    ip: str
    name: str
    """The PTR name the address has (the one the client set, else the service's hostname); empty without a zone."""
    managed: bool
    """Whether a reverse zone proxvps manages holds the address's PTR: only then can the client set it."""


def reverse_names_of(service: Service) -> dict[str, str]:
    """The names the client set, by address."""
    return dict(ReverseName.objects.filter(service=service).values_list("ip", "hostname"))


def _zones() -> list[str]:
    return list(DnsZone.objects.filter(enabled=True).values_list("name", flat=True))


def reverse_entries(service: Service) -> list[ReverseEntry]:
    """Each address of the service with its PTR name and whether the client may set it (database only)."""
    return reverse_entries_of([service]).get(service.pk, [])


def reverse_entries_of(services: Sequence[Service]) -> dict[int, list[ReverseEntry]]:
    """`reverse_entries` of each service, by service id, in three queries however many services (a staff list)."""
    zones = _zones()
    by_id = {service.pk: service for service in services}
    names: dict[int, dict[str, str]] = {}
    for row in ReverseName.objects.filter(service_id__in=by_id).values("service_id", "ip", "hostname"):
        names.setdefault(row["service_id"], {})[row["ip"]] = row["hostname"]
    entries: dict[int, list[ReverseEntry]] = {pk: [] for pk in by_id}
    for address in Address.objects.filter(service_id__in=by_id).order_by("pk").only("ip", "service_id"):
        assert address.service_id is not None
        owner = by_id[address.service_id]
        managed = best_zone(ptr_name(address.ip), zones) is not None
        name = names.get(owner.pk, {}).get(address.ip, owner.hostname) if managed else ""
        entries[owner.pk].append(ReverseEntry(address.ip, name, managed))
    return {pk: sorted(found, key=lambda entry: ":" in entry.ip) for pk, found in entries.items()}


def set_reverse_name(service: Service, ip: str, hostname: str, *, requested_by: str = "") -> OperationRequest:
    """Point `ip`'s PTR record at `hostname` (empty: back to the service's hostname) and ask the worker to write
    it. ReverseNameRefused for an address that is not the service's, one no managed zone holds, or a name that is
    no hostname; OrderRefused when the service's state allows no DNS change now."""
    if not Address.objects.filter(service=service, ip=ip).exists():
        raise ReverseNameRefused(_("%(ip)s is not an address of this server.") % {"ip": ip})
    if best_zone(ptr_name(ip), _zones()) is None:
        raise ReverseNameRefused(
            _("The reverse name of %(ip)s is not managed here; please ask us to set it.") % {"ip": ip}
        )
    name = hostname.strip().rstrip(".").lower()
    if name:
        try:
            check_hostname(name)
        except ValueError as error:
            raise ReverseNameRefused(
                _("Enter a host name such as mail.example.com: letters, digits and hyphens, separated by dots.")
            ) from error
        if "." not in name:
            raise ReverseNameRefused(_("Enter a full host name, such as mail.example.com."))
    with transaction.atomic():
        if name and name != service.hostname:
            ReverseName.objects.update_or_create(service=service, ip=ip, defaults={"hostname": name})
        else:
            ReverseName.objects.filter(service=service, ip=ip).delete()
        # A refusal (OrderRefused: no DNS change in this state) undoes the stored name with the transaction.
        return request_dns_sync(service, requested_by=requested_by)
