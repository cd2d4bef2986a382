"""The demo's data: the sandbox registered as a server, a plan, IP pools, an admin and a billing API token.

Kept apart from `proxvps.demo` (which owns the processes) so the setup is a plain function a test can call.
It is idempotent: each demo start re-registers the sandbox (whose token and certificate are new every time),
resets the admin's password, replaces the demo's API token, forgets the services of the previous start (their VMs
lived in a sandbox that is gone) and orders a first VM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from proxvps.api.models import ApiToken, TokenScope
from proxvps.inventory.choices import ClientFeature
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, ServerGroup, Service
from proxvps.inventory.sync import sync_server
from proxvps.ipam.models import Address, Pool, PoolRange
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import ProxmoxError

ADMIN_USER = "admin"
SERVER_NAME = "sandbox"
TOKEN_NAME = "demo billing"
DEMO_TEMPLATE_VMID = 9000
FIRST_SERVICE = "demo-1"


class ClusterInfo(Protocol):
    """What the demo needs to know about the sandbox it started."""

    @property
    def url(self) -> str: ...
    @property
    def token_id(self) -> str: ...
    @property
    def token_secret(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...


@dataclass(frozen=True)
class DemoState:
    admin_user: str
    api_token: str
    connection_line: str
    node_lines: tuple[str, ...]
    first_service_id: int


def _forget_old_services(server: Server) -> None:
    """The services of an earlier demo: their VMs were in that run's sandbox, which no longer exists."""
    old = Service.objects.filter(server=server)
    Address.objects.filter(service__in=old).delete()
    old.delete()


def register_server(info: ClusterInfo) -> Server:
    server, _created = Server.objects.update_or_create(
        name=SERVER_NAME,
        defaults={
            "url": info.url,
            "token_id": info.token_id,
            "token_secret": info.token_secret,
            "fingerprint": info.fingerprint,
            "ca_file": "",
        },
    )
    server.full_clean()
    group, _created = ServerGroup.objects.get_or_create(name="Sandbox")
    group.set_servers([*group.servers.all(), server])
    return server


def _pools(server: Server) -> None:
    v4, _created = Pool.objects.get_or_create(
        server=server,
        name="demo-v4",
        defaults={
            "network": "192.0.2.0/24",
            "gateway": "192.0.2.1",
            "dns1": "192.0.2.53",
            "dns2": "192.0.2.54",
        },
    )
    if not v4.ranges.exists():
        PoolRange.objects.create(pool=v4, first="192.0.2.10", last="192.0.2.250")
    v6, _created = Pool.objects.get_or_create(
        server=server,
        name="demo-v6",
        defaults={"network": "2001:db8::/64", "gateway": "2001:db8::1", "dns1": "2001:db8::53"},
    )
    if not v6.ranges.exists():
        PoolRange.objects.create(pool=v6, first="2001:db8::100", last="2001:db8::ffff")


# What the client area calls the sandbox's templates: names a client understands, not the fixtures' names.
CLIENT_NAMES = {
    9000: "Debian 12 (Bookworm)",
    9001: "Debian 12 (Bookworm, SATA disk)",
    9002: "Ubuntu 22.04 LTS",
    9003: "Ubuntu 24.04 LTS",
    9004: "CentOS 7",
    9005: "AlmaLinux 9",
    9006: "Rocky Linux 9",
    9007: "Debian 12 (fast SSD)",
}


def _plan(server: Server) -> Plan:
    group = ServerGroup.objects.get(name="Sandbox")
    template = server.templates.filter(vmid=DEMO_TEMPLATE_VMID).first()
    plan, _created = Plan.objects.get_or_create(
        name="Demo VPS",
        defaults={
            "server_group": group,
            "cpu_cores": 2,
            "ram_mb": 2048,
            "system_disk_gb": 20,
            "ipv6_count": 1,
        },
    )
    plan.server_group = group
    plan.template = template
    # Every client area feature shows something: backups and ISO images on the sandbox's storages, snapshots,
    # the firewall, and every client permission.
    plan.backup_storage = "backup"
    plan.iso_storage = "local"
    plan.snapshots_count = 3
    plan.backups_count = 3
    plan.firewall_enabled = True
    for feature in ClientFeature:
        setattr(plan, f"client_{feature.value}", True)
    plan.save()
    offered = server.templates.filter(has_cloudinit=True)
    for offered_template in offered:
        offered_template.client_name = CLIENT_NAMES.get(offered_template.vmid, offered_template.client_name)
        offered_template.save(update_fields=["client_name"])
    plan.templates.set(offered)
    return plan


def _admin(password: str) -> str:
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        username=ADMIN_USER, defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    return ADMIN_USER


def _api_token() -> str:
    ApiToken.objects.filter(name=TOKEN_NAME).update(revoked=True)
    _row, token = ApiToken.issue(TOKEN_NAME, TokenScope.BILLING)
    return token


def _connection_lines(server: Server) -> tuple[str, tuple[str, ...]]:
    try:
        with client_for(server) as client:
            check = client.check()
    except ProxmoxError as error:
        return _("connection test: failed: %(error)s") % {"error": error}, ()
    line = _("connection test: ok, Proxmox VE %(version)s") % {"version": check.version.version}
    nodes = tuple(
        _("node: %(node)s %(state)s") % {"node": n.node, "state": _("online") if n.online else _("offline")}
        for n in check.nodes
    )
    return line, nodes


def prepare_demo(info: ClusterInfo, admin_password: str) -> DemoState:
    """Register the sandbox and everything the demo shows; returns what to print."""
    with transaction.atomic():
        server = register_server(info)
    sync_server(server)
    with transaction.atomic():
        _forget_old_services(server)
        _pools(server)
        plan = _plan(server)
        admin = _admin(admin_password)
        token = _api_token()
    line, nodes = _connection_lines(server)
    first = order_service(billing_service_id=FIRST_SERVICE, client_ref="demo", plan=plan)
    return DemoState(
        admin_user=admin, api_token=token, connection_line=line, node_lines=nodes, first_service_id=first.pk
    )
