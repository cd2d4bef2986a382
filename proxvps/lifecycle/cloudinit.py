"""The cloud-init step: user, password, network and resolvers for the guest's first boot (SPEC S4, S11)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from proxvps.domain.cloudinit import CloudInitNetwork, dhcp_network, static_network
from proxvps.domain.disks import is_cloudinit, is_drive_key
from proxvps.domain.drives import PropertyString
from proxvps.inventory.models import Service
from proxvps.ipam.allocation import addresses_of, pool_addresses
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.outcomes import Done, Outcome, skip
from proxvps.lifecycle.steps import step


def network_of(service: Service) -> CloudInitNetwork:
    """ipconfig0 and nameserver from the service's addresses and their pools (DHCP mode: from the network)."""
    if service.plan.dhcp:
        return dhcp_network()
    ipv4, ipv6 = pool_addresses(addresses_of(service))
    return static_network(ipv4, ipv6)


def config_has_cloudinit_drive(config: Mapping[str, str]) -> bool:
    return any(is_drive_key(key) and is_cloudinit(PropertyString.parse(value)) for key, value in config.items())


def has_cloudinit_drive(ctx: StepContext) -> bool:
    return config_has_cloudinit_drive(ctx.config())


@step("cloudinit")
def cloudinit(ctx: StepContext) -> Outcome:
    """Written whole every time (the password cannot be read back to compare): the write is idempotent."""
    if not has_cloudinit_drive(ctx):
        return skip(_("skip - the template has no cloud-init drive"))
    changes: dict[str, str | int] = {"ciuser": ctx.service.username, "cipassword": ctx.service.password}
    changes.update(network_of(ctx.service).config())
    ctx.write_config(changes)
    return Done()
