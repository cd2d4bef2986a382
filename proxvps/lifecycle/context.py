"""What a step gets: the service and everything resolved for it, the Proxmox client, and the start/wait helper."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain.disks import allocates_volume
from proxvps.domain.options import Resources, resolve_resources
from proxvps.inventory.models import OperationRequest, Plan, Server, Service, Template
from proxvps.lifecycle.advance import LeaseLostError
from proxvps.lifecycle.outcomes import Wait
from proxvps.lifecycle.passes import ClusterSnapshot, PassContext
from proxvps.proxmox import ProxmoxClient, TaskRef, TaskResult, VmConfig


def plan_defaults(plan: Plan) -> Resources:
    """The plan's own values as Resources: what a service gets with no configurable option."""
    return Resources(
        cpu_cores=plan.cpu_cores,
        ram_mb=plan.ram_mb,
        system_disk_gb=plan.system_disk_gb,
        additional_disk_gb=plan.additional_disk_gb,
        system_disk_read_mbps=plan.system_disk_read_mbps,
        system_disk_write_mbps=plan.system_disk_write_mbps,
        system_disk_read_iops=plan.system_disk_read_iops,
        system_disk_write_iops=plan.system_disk_write_iops,
        additional_disk_read_mbps=plan.additional_disk_read_mbps,
        additional_disk_write_mbps=plan.additional_disk_write_mbps,
        additional_disk_read_iops=plan.additional_disk_read_iops,
        additional_disk_write_iops=plan.additional_disk_write_iops,
        network_mbps=plan.network_mbps,
        ipv4_count=plan.ipv4_count,
        ipv6_count=plan.ipv6_count,
        backups_count=plan.backups_count,
        snapshots_count=plan.snapshots_count,
        operating_system=None,
    )


def resources_of(service: Service) -> Resources:
    """The service's resources: its plan's defaults overridden by its configurable options (SPEC S3)."""
    return resolve_resources(plan_defaults(service.plan), service.options or {})


def task_poll_seconds() -> float:
    return float(settings.PROXVPS_TASK_POLL_SECONDS)


@dataclass
class StepContext:
    """A run's view of a service, shared by its steps. Steps read through it and record through it, so every
    write carries the lease condition and a lost lease stops the run.

    The VM's config is read through it and kept for the pass, and the rules that keep it true live here, not in
    the steps: a config write is folded into the kept config, except one that allocates a volume (its volume id is
    Proxmox's to choose); a started task forgets the config unless its step said what it will change (`expect`),
    and a failed one forgets it too. A step that says nothing costs a read, never a wrong answer. The cluster's
    resources (`snapshot`) are a hint at most SNAPSHOT_MAX_AGE old: a step that must know its VM's present state
    asks Proxmox for it."""

    service: Service
    owner: str | None
    run: PassContext

    @property
    def _config(self) -> VmConfig | None:
        return self.run.configs.get(self.service.pk)

    @_config.setter
    def _config(self, config: VmConfig | None) -> None:
        if config is None:
            self.run.configs.pop(self.service.pk, None)
        else:
            self.run.configs[self.service.pk] = config

    @property
    def plan(self) -> Plan:
        return self.service.plan

    @property
    def server(self) -> Server:
        if self.service.server is None:
            raise LookupError(_("The service has no server yet."))
        return self.service.server

    @cached_property
    def resources(self) -> Resources:
        return resources_of(self.service)

    @property
    def template(self) -> Template | None:
        return self.service.template or self.plan.template

    @property
    def client(self) -> ProxmoxClient:
        return self.run.client(self.server)

    @property
    def snapshot(self) -> ClusterSnapshot:
        return self.run.snapshot(self.server)

    @property
    def request(self) -> OperationRequest:
        """The request whose operation runs: its parameters and secret, and the key of its once-only events."""
        request = self.service.request
        if request is None:
            raise LookupError(_("The service has no operation request."))
        return request

    @property
    def vmid(self) -> int:
        if self.service.vmid is None:
            raise LookupError(_("The service has no VMID yet."))
        return self.service.vmid

    def param(self, key: str, default: str | None = None) -> str:
        """A parameter of the request whose operation runs (a snapshot's name, a backup's volume id); without a
        default, one the request must have."""
        request = self.service.request
        value = request.params.get(key) if request is not None else None
        if value is None or value == "":
            if default is None:
                raise LookupError(_("The request for this operation has no %(key)s.") % {"key": key})
            return default
        return str(value)

    # ------------------------------------------------------------ records

    def record(self, **fields: Any) -> None:
        """Write fields of the service now (with the lease condition); raises LeaseLostError if it is not ours."""
        rows = Service.objects.filter(pk=self.service.pk)
        if self.owner is not None:
            rows = rows.filter(lease_owner=self.owner)
        if rows.update(updated_at=timezone.now(), **fields) != 1:
            raise LeaseLostError(f"service {self.service.pk} is no longer ours")
        for name, value in fields.items():
            setattr(self.service, name, value)

    def remember(self, **params: Any) -> None:
        """Add parameters to the running request: what a later step needs and a crash must not lose (the MAC of
        a VM about to be deleted)."""
        request = self.request
        request.params = {**request.params, **params}
        OperationRequest.objects.filter(pk=request.pk).update(params=request.params)

    # ------------------------------------------------------------ the VM

    def config(self) -> VmConfig:
        """The VM's config as this pass knows it (read from Proxmox on first use and after tasks)."""
        if self._config is None:
            self._config = self.client.vm_config(self.service.node, self.vmid)
        return self._config

    def write_config(self, changes: Mapping[str, str | int], delete: Sequence[str] = (), force: bool = False) -> None:
        """A synchronous config write (PUT). When the config was just read, its digest guards against a change made
        meanwhile by someone else; the values written are then folded into the config kept, so the next step need
        not read it again. A delete (a disk may become unusedN) or a new volume is not predictable: the config is
        read again when next asked."""
        known = self._config
        digest = known.digest if known is not None else None
        self.client.update_config(
            self.service.node, self.vmid, changes=changes, delete=delete, digest=digest, force=force
        )
        if known is None or delete or any(allocates_volume(key, str(value)) for key, value in changes.items()):
            self._config = None
            return
        self._config = known.changed(changes)

    def pending(self, what: str) -> TaskResult | Wait | None:
        """The wait half of a start/wait pair: None when no task is pending; Wait while it runs; its TaskResult once
        it stopped (the UPID is then forgotten, so the step decides what a failure means)."""
        if not self.service.task_upid:
            return None
        result = self.client.task_result(TaskRef.from_upid(self.service.task_upid))
        if result is None:
            return Wait(_("waiting for task %(what)s") % {"what": what}, after=task_poll_seconds())
        self.task_ended(forget_config=not result.ok)
        return result

    def task_ended(self, forget_config: bool = True) -> None:
        """The pending task is over (its result read, it was stopped, or what it did was seen otherwise): it is
        forgotten, and with it the config, unless the task's outcome was foreseen (see `start`).

        The service's row forgets the task in the UPDATE that records the step's outcome (`_Run.apply`), not in one
        of its own: a crash before that leaves the task pending, and the step, run again, reads the same ended
        task's result again."""
        self.service.task_upid = ""
        if forget_config:
            self._config = None

    def task_age(self) -> float:
        """Seconds since the pending task was started (0 when none is)."""
        started = self.service.step_started_at
        return (timezone.now() - started).total_seconds() if self.service.task_upid and started else 0.0

    def start(self, begin: Callable[[], TaskRef], what: str, expect: Mapping[str, str] | None = None) -> Wait:
        """The start half: start the task and record its UPID and start time before anything else, so a crash
        right after it finds the task on the next pass. Nothing sleeps: the worker comes back after the poll
        interval. `expect`: the config entries the task will leave (a resize's new size), kept instead of reading
        the config again once it succeeded."""
        ref = begin()
        self.record(task_upid=ref.upid, step_started_at=timezone.now())
        known = self._config
        self._config = known.changed(expect) if known is not None and expect is not None else None
        return Wait(_("task %(what)s started") % {"what": what}, after=task_poll_seconds(), started=True)
