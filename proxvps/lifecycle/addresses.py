"""Change package's first step: the service holds as many addresses as its new package says (SPEC S5, S11)."""

from __future__ import annotations

from proxvps.ipam.allocation import PoolExhausted, addresses_of, allocate
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.hardware import NO_CHANGE
from proxvps.lifecycle.outcomes import Done, Failed, Outcome


def update_addresses(ctx: StepContext) -> Outcome:
    """Add or release addresses to match the new counts; DNS and the firewall's IPSet follow in their steps."""
    if ctx.plan.dhcp:
        return Done(NO_CHANGE)
    before = [address.ip for address in addresses_of(ctx.service)]
    try:
        allocate(ctx.service, 4, ctx.resources.ipv4_count)
        allocate(ctx.service, 6, ctx.resources.ipv6_count)
    except PoolExhausted as error:
        return Failed(str(error), after=300)
    after = [address.ip for address in addresses_of(ctx.service)]
    return Done(NO_CHANGE) if after == before else Done()
