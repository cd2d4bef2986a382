"""The steps that wire a VM to its network: the NIC, the firewall and its anti-spoofing IPSet (SPEC S4, S11, S13)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from proxvps.domain.network import KEEP, Keep, NetDevice
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.hardware import NO_CHANGE
from proxvps.lifecycle.outcomes import Done, Outcome, skip
from proxvps.lifecycle.steps import step
from proxvps.proxmox import FirewallOptions, ProxmoxApiError, ProxmoxClient, ProxmoxError

log = logging.getLogger(__name__)

NIC = "net0"
IPSET = "ipfilter-net0"
"""The IPSet PVE's IP filter reads for net0: the VM's own addresses, so it cannot spoof others."""


def _bridge_and_vlan(ctx: StepContext) -> tuple[str, int | None]:
    """The primary address's pool decides bridge and VLAN; the plan's values apply where the pool sets none."""
    addresses = [] if ctx.plan.dhcp else addresses_of(ctx.service)
    pool = addresses[0].pool if addresses else None
    bridge = (pool.bridge if pool else "") or ctx.plan.bridge
    vlan = (pool.vlan if pool else None) or ctx.plan.vlan
    return bridge, vlan


def network_change(ctx: StepContext, macaddr: str | Keep = KEEP) -> dict[str, str | int]:
    """The net0 change the plan asks for (nothing when net0 is already so); the MAC stays unless given."""
    current = ctx.config().get(NIC)
    bridge, vlan = _bridge_and_vlan(ctx)
    device = NetDevice.parse(current or f"virtio,bridge={bridge}")
    wanted = device.with_changes(
        bridge=bridge,
        tag=vlan,
        rate=ctx.resources.network_mbps or None,
        firewall=ctx.plan.firewall_enabled,
        macaddr=macaddr,
    )
    rendered = wanted.render()
    return {} if rendered == current else {NIC: rendered}


def _write(ctx: StepContext, change: dict[str, str | int]) -> Outcome:
    if not change:
        return skip(NO_CHANGE)
    ctx.write_config(change)
    return Done()


@step("network")
def network(ctx: StepContext) -> Outcome:
    """Bridge, VLAN tag, rate and firewall flag on net0; the MAC and every other option stay as they are."""
    return _write(ctx, network_change(ctx))


@step("network_same_mac")
def network_same_mac(ctx: StepContext) -> Outcome:
    """Reinstall's network step: net0 as the plan says, with the MAC the removed VM had (kept in the request's
    parameters), so the guest's interface, DHCP reservations and the firewall's MAC filter stay valid (SPEC S7)."""
    mac = ctx.request.params.get("mac")
    return _write(ctx, network_change(ctx, macaddr=mac if isinstance(mac, str) and mac else KEEP))


def wanted_firewall(ctx: StepContext) -> FirewallOptions:
    plan = ctx.plan
    if not plan.firewall_enabled:
        return FirewallOptions(enable=False)
    return FirewallOptions(
        enable=True,
        dhcp=plan.firewall_dhcp,
        ndp=plan.firewall_ndp,
        macfilter=plan.firewall_macfilter,
        ipfilter=plan.firewall_ipfilter and not plan.dhcp,
        log_level_in=plan.firewall_log_level_in,
        log_level_out=plan.firewall_log_level_out,
        policy_in=plan.firewall_policy_in,
        policy_out=plan.firewall_policy_out,
    )


def _sync_ipset(ctx: StepContext, wanted: set[str]) -> None:
    """Make the VM's IPSet hold exactly `wanted`: add the missing addresses, delete every other entry (an address
    the service gave back, one added by hand). It is created first: on a new VM that is all there is to it, and
    Proxmox's "already exists" answer is the cue to compare entries (a retry, a change of package)."""
    fw, node, vmid = ctx.client.firewall, ctx.service.node, ctx.vmid
    try:
        fw.create_ipset(node, vmid, IPSET, comment=_("addresses of this VM (anti-spoofing)"))
        have: set[str] = set()
    except ProxmoxApiError as error:
        if "already exists" not in error.field_errors.get("name", ""):
            raise
        have = {entry.cidr for entry in fw.ipset_entries(node, vmid, IPSET)}
    for cidr in sorted(wanted - have):
        fw.add_ipset_entry(node, vmid, IPSET, cidr)
    for cidr in sorted(have - wanted):
        fw.delete_ipset_entry(node, vmid, IPSET, cidr)


@step("firewall")
def firewall(ctx: StepContext) -> Outcome:
    """Options and policies as the plan says, and the IPSet with the VM's own addresses when IP filtering is on.

    The options are written whole every time: one idempotent write costs what reading them to compare would."""
    fw, node, vmid = ctx.client.firewall, ctx.service.node, ctx.vmid
    wanted = wanted_firewall(ctx)
    fw.set_options(node, vmid, wanted)
    if wanted.ipfilter:
        _sync_ipset(ctx, {address.ip for address in addresses_of(ctx.service)})
    return Done()


def remove_firewall_objects(client: ProxmoxClient, node: str, vmid: int) -> list[str]:
    """Delete the VM's anti-spoofing IPSet with its entries (terminate's cleanup); the problems, as sentences for
    the service log, each also logged. An IPSet (or VM) that does not exist is what a cleanup wants: no problem.

    The seed learned to tell the two apart the hard way (v3.2): a cleanup that reports "does not exist" as an
    error alarms staff for nothing, one that swallows every error hides an expired token or a node that is down.
    """
    try:
        client.firewall.delete_ipset(node, vmid, IPSET, force=True)
    except ProxmoxError as error:
        if isinstance(error, ProxmoxApiError) and error.missing:
            return []
        log.warning("firewall cleanup of VM %s on node %s failed: %s", vmid, node, error)
        return [_("The IPSet %(ipset)s of the VM could not be deleted: %(error)s") % {"ipset": IPSET, "error": error}]
    return []
