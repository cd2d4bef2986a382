"""A registered sandbox cluster with pools and a plan, and a driver that runs a service's state machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from proxvps.demo_setup import register_server
from proxvps.domain import states
from proxvps.inventory.models import Plan, Server, Service
from proxvps.inventory.sync import sync_server
from proxvps.ipam.models import Pool, PoolRange
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.passes import PassContext
from proxvps.lifecycle.reports import RunHeader, RunReport, StepReport
from proxvps.lifecycle.runner import process_service

OWNER = "test-worker"


@dataclass
class Recorder:
    """A RunListener that keeps what it hears."""

    headers: list[RunHeader] = field(default_factory=list)
    steps: list[StepReport] = field(default_factory=list)
    reports: list[RunReport] = field(default_factory=list)

    def started(self, header: RunHeader) -> None:
        self.headers.append(header)

    def step(self, report: StepReport) -> None:
        self.steps.append(report)

    def finished(self, report: RunReport) -> None:
        self.reports.append(report)

    def step_named(self, label: str) -> StepReport:
        return [s for s in self.steps if s.label == label][-1]


def drive(service: Service, recorder: Recorder | None = None, runs: int = 60) -> Recorder:
    """Run the service's state machine as a worker would, without waiting for its next due time, until it
    completes, fails or pauses on an error."""
    recorder = recorder or Recorder()
    Service.objects.filter(pk=service.pk).update(
        lease_owner=OWNER, lease_expires_at=timezone.now() + timedelta(hours=1)
    )
    with PassContext() as ctx:
        for _run in range(runs):
            report = process_service(service.pk, OWNER, recorder, ctx)
            if report.outcome != "waiting":
                break
    service.refresh_from_db()
    return recorder


@pytest.fixture
def cluster(sandbox, db) -> Server:
    server = register_server(sandbox.info)
    sync_server(server)
    v4 = Pool.objects.create(
        server=server, name="v4", network="192.0.2.0/24", gateway="192.0.2.1", dns1="192.0.2.53", vlan=20
    )
    PoolRange.objects.create(pool=v4, first="192.0.2.10", last="192.0.2.200")
    v6 = Pool.objects.create(
        server=server, name="v6", network="2001:db8::/64", gateway="2001:db8::1", dns2="2001:db8::53"
    )
    PoolRange.objects.create(pool=v6, first="2001:db8::10", last="2001:db8::ffff")
    return server


@pytest.fixture
def plan(cluster: Server) -> Plan:
    plan = Plan.objects.create(
        name="VPS M",
        server_group=cluster.groups.get(),
        template=cluster.templates.get(vmid=9000),
        cpu_cores=2,
        ram_mb=2048,
        system_disk_gb=20,
        additional_disk_gb=5,
        system_disk_read_mbps=100,
        system_disk_write_mbps=80,
        system_disk_read_iops=1000,
        system_disk_write_iops=800,
        additional_disk_read_mbps=50,
        network_mbps=25,
        ipv4_count=1,
        ipv6_count=1,
        storage="local-lvm",
        bridge="vmbr0",
        firewall_enabled=True,
        firewall_policy_in="DROP",
        firewall_log_level_in="info",
    )
    plan.templates.set(cluster.templates.all())
    return plan


@pytest.fixture
def ready_vm(plan: Plan) -> Service:
    """A deployed, running service of `plan`, whose package allows 2 snapshots and 2 backups on the sandbox's shared
    `backup` storage; its client has an e-mail address."""
    plan.snapshots_count = 2
    plan.backups_count = 2
    plan.backup_storage = "backup"
    plan.save()
    service = order_service(billing_service_id="5546", client_ref="77", plan=plan, client_email="client@example.com")
    drive(service)
    assert service.state == states.READY
    return service


def writes(sandbox) -> list[tuple[str, str]]:
    """The requests that could change something on the sandbox (all but GET), oldest first."""
    return [(method, path) for method, path, _body in sandbox.pve.requests if method != "GET"]
