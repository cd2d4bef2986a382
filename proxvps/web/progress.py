"""The operation in flight on a service, as its client reads it: its name, the step it is at in plain words, how
long it has run, or, after a failure, one sentence and the promise that staff know (SPEC S17). Read from the
database only (the service's state, its request and the action log), so polling it every second costs no Proxmox
call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proxvps.domain.transitions import OPERATIONS, operation_for
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import OperationRequest, Service

# What each step does, in words a client understands; a step not named here is shown by its operation's name.
STEP_WORDS = {
    "allocate_ip": gettext_lazy("Reserving your IP addresses"),
    "set_dns_records": gettext_lazy("Setting up DNS"),
    "clone": gettext_lazy("Copying the operating system"),
    "clone_into_same_vmid": gettext_lazy("Copying the operating system"),
    "migrate": gettext_lazy("Moving to its host"),
    "set_cpu_ram": gettext_lazy("Setting CPU and memory"),
    "resize_system_disk": gettext_lazy("Resizing the disk"),
    "system_disk_io": gettext_lazy("Setting disk speed"),
    "additional_disk": gettext_lazy("Adding the extra disk"),
    "network": gettext_lazy("Configuring the network"),
    "network_same_mac": gettext_lazy("Configuring the network"),
    "firewall": gettext_lazy("Configuring the firewall"),
    "cloudinit": gettext_lazy("Preparing the first boot"),
    "start": gettext_lazy("Starting"),
    "verify_running": gettext_lazy("Checking that it runs"),
    "verify_running_and_email": gettext_lazy("Checking that it runs"),
    "verify_running_and_email_password": gettext_lazy("Checking that it runs"),
    "verify_running_and_mail_restored": gettext_lazy("Checking that it runs"),
    "shut_down": gettext_lazy("Shutting down"),
    "stop_for_change": gettext_lazy("Shutting down"),
    "stop_for_password": gettext_lazy("Shutting down"),
    "stop_for_reinstall": gettext_lazy("Shutting down"),
    "delete_snapshots": gettext_lazy("Removing old snapshots"),
    "delete_vm_for_reinstall": gettext_lazy("Removing the old system"),
    "create_snapshot": gettext_lazy("Taking the snapshot"),
    "delete_snapshot": gettext_lazy("Deleting the snapshot"),
    "rollback_snapshot": gettext_lazy("Rolling back"),
    "create_backup": gettext_lazy("Making the backup"),
    "delete_backup": gettext_lazy("Deleting the backup"),
    "restore_backup": gettext_lazy("Restoring the backup"),
    "mount_iso": gettext_lazy("Inserting the ISO image"),
    "unmount_iso": gettext_lazy("Ejecting the ISO image"),
    "set_new_password": gettext_lazy("Setting the new password"),
    "power_action": gettext_lazy("Sending the power command"),
    "update_addresses": gettext_lazy("Updating addresses"),
}

FAILURE_SHOWN_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Progress:
    """What the progress card shows; `busy` says whether the page keeps polling."""

    busy: bool
    operation: str = ""
    step: str = ""
    number: int = 0
    steps: int = 0
    started_at: datetime | None = None
    failed: str = ""

    @property
    def seconds(self) -> int:
        return int((timezone.now() - self.started_at).total_seconds()) if self.started_at else 0


def progress_of(service: Service) -> Progress:
    """The service's operation in flight, or its last request's failure (shown for a day), or nothing."""
    operation = operation_for(service.state)
    if operation is not None:
        transition = operation.next(service.state)
        request = service.request
        started = request.started_at if request is not None and request.started_at else service.state_changed_at
        step = STEP_WORDS.get(transition.step, _(operation.label)) if transition else _(operation.label)
        return Progress(
            busy=True,
            operation=_(operation.label),
            step=str(step),
            number=operation.number(transition) if transition else 0,
            steps=len(operation.transitions),
            started_at=started,
        )
    last = OperationRequest.objects.filter(service=service).exclude(status=RequestStatus.PENDING).last()
    recent = last is not None and last.finished_at and timezone.now() - last.finished_at < FAILURE_SHOWN_FOR
    if last is not None and recent and last.status == RequestStatus.FAILED:
        known = OPERATIONS.get(last.operation)
        name = _(known.label) if known else last.operation
        return Progress(
            busy=False, operation=name, failed=_("%(operation)s could not be completed.") % {"operation": name}
        )
    if service.state.startswith("error"):
        return Progress(busy=False, failed=_("Your server needs our attention."))
    return Progress(busy=False)
