"""Change package's first step: the service holds as many addresses as its new package says, and its DNS records
follow (SPEC S5, S11, S12)."""

from __future__ import annotations

from proxvps.dns import DnsError
from proxvps.ipam.allocation import PoolExhausted, addresses_of, allocate
from proxvps.lifecycle import dnsrecords
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.hardware import NO_CHANGE
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, skip
from proxvps.lifecycle.steps import step


@step("update_addresses")
def update_addresses(ctx: StepContext) -> Outcome:
    """Add or release addresses to match the new counts, and keep the DNS records right: A/AAAA as the addresses
    now are, a PTR for each new one, the PTRs of released ones gone. DNS never blocks: its summary is the note.
    The firewall's IPSet follows in its own step."""
    if ctx.plan.dhcp:
        return skip(NO_CHANGE)
    before = [address.ip for address in addresses_of(ctx.service)]
    try:
        allocate(ctx.service, 4, ctx.resources.ipv4_count)
        allocate(ctx.service, 6, ctx.resources.ipv6_count)
    except PoolExhausted as error:
        return Failed(str(error), after=300)
    after = [address.ip for address in addresses_of(ctx.service)]
    released = [ip for ip in before if ip not in after]
    try:
        summary = dnsrecords.keep_records(ctx.service, released=released)
    except DnsError as error:
        return Done(str(error))
    if after == before and (summary is None or not (summary.changed or summary.errors)):
        return skip(NO_CHANGE)
    return Done(str(summary or ""))
