"""A service's DNS records (SPEC S12): A/AAAA for its hostname, a PTR for each of its addresses.

The forward records go to the enabled zone that is the longest suffix of the hostname, each PTR to the reverse
zone holding it. For each zone the provider's records are read, planned against what we want and applied one
record set at a time (`proxvps.dns`): a zone that is down, a key that is refused, a record the provider rejects
costs that zone or that record and nothing else. DNS never blocks an operation: the steps here always end in
Done, and the note they leave in the action log is the summary the seed wrote (forward ok/err, reverse ok/err,
a message per zone); when something failed it goes to the log as a warning as well.

Reverse names come from `proxvps.domain.reverse.ptr_name`, so every spelling of an address gives one PTR name.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps import redaction
from proxvps.dns import DnsError, Plan, RecordKey, RecordSet, ZoneResult, best_zone, connect, remove, sync
from proxvps.domain.reverse import ptr_name
from proxvps.domain.transitions import DNS_SYNC
from proxvps.encryption import DecryptionError
from proxvps.inventory.models import OperationRequest, ReverseName, Service
from proxvps.ipam.allocation import addresses_of
from proxvps.ipam.models import DnsZone
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Outcome, skip
from proxvps.lifecycle.requests import submit
from proxvps.lifecycle.steps import step

log = logging.getLogger(__name__)

FORWARD_TYPES = frozenset({"A", "AAAA"})


def no_zone() -> str:
    return _("skip - no DNS zone configured")


@dataclass
class ZoneWork:
    """What one zone gets: record sets made exactly so, and values taken away."""

    zone: DnsZone
    keep: list[RecordSet] = field(default_factory=list)
    drop: list[RecordSet] = field(default_factory=list)


@dataclass
class Summary:
    """The outcome in the words of the service log: `forward 2 ok / 0 err, reverse 1 ok / 1 err; <zone>: ...`."""

    forward_ok: int = 0
    forward_err: int = 0
    reverse_ok: int = 0
    reverse_err: int = 0
    changed: int = 0
    zones: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.forward_err + self.reverse_err

    def count(self, record_set: RecordSet, units: int, failed: bool) -> None:
        forward = record_set.type in FORWARD_TYPES
        if forward and failed:
            self.forward_err += units
        elif forward:
            self.forward_ok += units
        elif failed:
            self.reverse_err += units
        else:
            self.reverse_ok += units

    def __str__(self) -> str:
        head = _("forward %(fok)d ok / %(ferr)d err, reverse %(rok)d ok / %(rerr)d err") % {
            "fok": self.forward_ok,
            "ferr": self.forward_err,
            "rok": self.reverse_ok,
            "rerr": self.reverse_err,
        }
        return "; ".join([head, *self.zones])


def _family(ip: str) -> int:
    return ipaddress.ip_address(ip).version


def plan_work(
    hostname: str,
    addresses: Sequence[str],
    released: Sequence[str] = (),
    reverse_names: Mapping[str, str] | None = None,
) -> tuple[list[ZoneWork], list[str]]:
    """The record sets per enabled zone for `hostname` and its `addresses`, and the names no zone holds.

    `released` are addresses the service just gave up (a smaller package): their PTRs naming the hostname go.
    `reverse_names` are the PTR names the client set, by address (the others point at `hostname`)."""
    reverse_names = reverse_names or {}
    zones = {zone.name: zone for zone in DnsZone.objects.filter(enabled=True).defer("credentials")}
    work: dict[str, ZoneWork] = {}
    unzoned: list[str] = []

    def place(name: str) -> ZoneWork | None:
        zone = best_zone(name, zones)
        if zone is None:
            unzoned.append(name)
            return None
        return work.setdefault(zone, ZoneWork(zones[zone]))

    forward = place(hostname)
    if forward is not None:
        ttl = forward.zone.ttl
        forward.keep.append(RecordSet.of(hostname, "A", [ip for ip in addresses if _family(ip) == 4], ttl))
        forward.keep.append(RecordSet.of(hostname, "AAAA", [ip for ip in addresses if _family(ip) == 6], ttl))
    for ip in [*addresses, *released]:
        name = ptr_name(ip)
        reverse = place(name)
        if reverse is not None:
            ptr = RecordSet.of(name, "PTR", [reverse_names.get(ip, hostname)], reverse.zone.ttl)
            (reverse.keep if ip in addresses else reverse.drop).append(ptr)
    return list(work.values()), unzoned


def _run_zone(work: ZoneWork, *, removing: bool) -> ZoneResult:
    """Apply one zone's work; whatever goes wrong stays in this zone's result."""
    zone = work.zone
    try:
        provider = connect(zone.zone_settings())
    except (DnsError, DecryptionError) as error:
        return ZoneResult(zone.name, error=str(error))
    try:
        if removing:
            return remove(provider, work.keep + work.drop)
        result = sync(provider, work.keep)
        if work.drop:
            dropped = remove(provider, work.drop)
            result.failed.update(dropped.failed)
            result.error = result.error or dropped.error
            if result.plan is not None and dropped.plan is not None:
                result.plan = Plan(result.plan.zone, result.plan.changes + dropped.plan.changes)
        return result
    except Exception as error:  # a provider bug must not block the operation either (SPEC S12)
        log.exception("DNS zone %s failed unexpectedly", zone.name)
        return ZoneResult(zone.name, error=_("Internal error: %(error)s") % {"error": redaction.redact(str(error))})
    finally:
        provider.close()


def _zone_message(result: ZoneResult) -> str:
    if result.error:
        return f"{result.zone}: {result.error}"
    if result.failed:
        return f"{result.zone}: " + " ".join(result.failed.values())
    changed = len(result.applied)
    if not changed:
        return _("%(zone)s: no change") % {"zone": result.zone}
    return _("%(zone)s: %(n)d record sets changed") % {"zone": result.zone, "n": changed}


def _record_sync(zone: DnsZone, result: ZoneResult) -> None:
    """Keep how this sync of the zone went on the zone, for the staff dashboard: when, and its error if any."""
    error = result.error or "; ".join(result.failed.values())
    DnsZone.objects.filter(pk=zone.pk).update(last_synced_at=timezone.now(), last_sync_error=error)


def _tally(summary: Summary, work: ZoneWork, result: ZoneResult, *, removing: bool) -> None:
    """Count each record: a record set's values, or one for an unwanted set that had to go (stale AAAA records
    of a service that has no IPv6 address any more)."""
    planned: set[RecordKey] = {change.key for change in result.plan.changes} if result.plan else set()
    for record_set in work.keep + work.drop:
        failed = bool(result.error) or record_set.key in result.failed
        units = len(record_set.values)
        if not units and not removing and record_set.key in planned:
            units = 1
        summary.count(record_set, units, failed)
    summary.changed += len(result.applied)
    summary.zones.append(_zone_message(result))


def keep_records(service: Service, *, released: Sequence[str] = (), removing: bool = False) -> Summary | None:
    """Make the zones hold the service's records (or, `removing`, none of them); None when no zone holds any of
    its names or the service has no hostname. Never raises for a provider's failure: the summary says what failed.
    """
    if not service.hostname:
        return None
    addresses = [address.ip for address in addresses_of(service)]
    reverse_names = dict(ReverseName.objects.filter(service=service).values_list("ip", "hostname"))
    work, unzoned = plan_work(service.hostname, addresses, released, reverse_names)
    if not work:
        return None
    summary = Summary()
    for item in work:
        result = _run_zone(item, removing=removing)
        _tally(summary, item, result, removing=removing)
        _record_sync(item.zone, result)
    if unzoned:
        summary.zones.append(_("no zone holds %(names)s") % {"names": ", ".join(unzoned)})
    if summary.errors:
        log.warning("DNS records of service %s: %s", service.billing_service_id, summary)
    return summary


def _outcome(ctx: StepContext, *, removing: bool) -> Outcome:
    if ctx.plan.dhcp:
        return skip(_("skip - DHCP mode"))
    try:
        summary = keep_records(ctx.service, removing=removing)
    except DnsError as error:  # a hostname no DNS name can be: said, not blocking
        return Done(_("DNS records not set: %(error)s") % {"error": error})
    return Done(no_zone()) if summary is None else Done(str(summary))


@step("set_dns_records")
def set_records(ctx: StepContext) -> Outcome:
    """The DNS step of deploy, reinstall and "Set DNS records": A/AAAA and PTRs as the service's addresses say.
    Never blocks."""
    return _outcome(ctx, removing=False)


@step("delete_dns_records")
def delete_records(ctx: StepContext) -> Outcome:
    """Terminate's and reinstall's DNS step: the service's own records go, other values at its names stay.
    Never blocks."""
    return _outcome(ctx, removing=True)


def request_dns_sync(service: Service, *, requested_by: str = "") -> OperationRequest:
    """Ask for "Set DNS records", run by the worker (the seed ran it in the admin's request and timed out on
    services with many records): it starts at once on a ready service, after the operation in flight otherwise,
    and is refused (OrderRefused) in any other state."""
    return submit(service, DNS_SYNC, requested_by=requested_by)
