"""Backups (SPEC S9): create, delete and restore, each an operation a request starts, so that while one runs every
other operation on the VM waits (and its log says so); the package's count limit.

A backup is a vzdump archive on the plan's backup storage, which every node reaches. Archives carry their service's
tag in their notes, and only tagged archives of the VM count as the service's: a storage shared by several clusters
holds archives of other VMs with the same VMID, and a client must never restore, count or rotate those.

A restore needs the VM off: a request is refused while it runs. If the restore waited behind an operation that
started the VM again, its first step shuts it down (its disks are about to be replaced, so nothing is lost that the
restore would keep). Then the archive is restored over the VM (`force`, same VMID), the package applied again
with the change-package steps (never shrinking a disk), the VM started and the client mailed. A failed restore
stops in `error_restore`, from which the restore can be asked for again (any backup) or the VM reinstalled.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.domain.options import OptionError
from proxvps.domain.transitions import BACKUP_CREATE, BACKUP_DELETE, BACKUP_RESTORE, Operation
from proxvps.inventory.models import OperationRequest, Service
from proxvps.lifecycle.context import StepContext, resources_of
from proxvps.lifecycle.hardware import finished
from proxvps.lifecycle.outcomes import Done, Failed, Outcome, Wait, skip
from proxvps.lifecycle.power import verify_running
from proxvps.lifecycle.requests import OrderRefused, checking_vm, open_requests, submit
from proxvps.lifecycle.steps import step
from proxvps.mail.messages import send_backup_restored
from proxvps.proxmox import ProxmoxApiError, ProxmoxClient, TaskResult, Volume


def backup_tag(service: Service) -> str:
    """The notes an archive of this service carries (vzdump's notes template, shown in Proxmox's backup list)."""
    return f"proxvps service {service.pk}"


def service_backups(client: ProxmoxClient, service: Service) -> list[Volume]:
    """The service's archives on its plan's backup storage, oldest first."""
    assert service.vmid is not None
    found = client.storage_content(service.node, service.plan.backup_storage, content="backup", vmid=service.vmid)
    tag = backup_tag(service)
    ours = [volume for volume in found if (volume.notes or "").strip() == tag]
    return sorted(ours, key=lambda volume: (volume.ctime or 0, volume.volid))


def list_backups(service: Service) -> list[Volume]:
    """The service's backups as Proxmox has them now, oldest first (OrderRefused if they cannot be read)."""
    _storage(service)
    with checking_vm(service) as client:
        return service_backups(client, service)


def _storage(service: Service) -> str:
    if not service.plan.backup_storage:
        raise OrderRefused(_("Plan %(plan)s has no backup storage.") % {"plan": service.plan.name})
    return service.plan.backup_storage


def backup_limit(service: Service) -> int:
    """How many backups the package allows (OrderRefused when none, or when its options are bad)."""
    _storage(service)
    try:
        limit = resources_of(service).backups_count
    except OptionError as error:
        raise OrderRefused(str(error)) from error
    if limit == 0:
        raise OrderRefused(
            _("The package of service %(sid)s includes no backups.") % {"sid": service.billing_service_id}
        )
    return limit


def _volids(service: Service, operation: Operation) -> set[str]:
    """The archives that the service's open requests for `operation` name."""
    return {str(params.get("volid")) for params in open_requests(service, operation).values_list("params", flat=True)}


def being_deleted(service: Service) -> set[str]:
    """The archives that open delete requests of the service name."""
    return _volids(service, BACKUP_DELETE)


def slots_in_use(service: Service, backups: list[Volume]) -> int:
    """The backups the count limit counts: those on the storage, less those being deleted, plus those asked for."""
    deleting = being_deleted(service) & {backup.volid for backup in backups}
    return len(backups) - len(deleting) + open_requests(service, BACKUP_CREATE).count()


def _over_limit(service: Service, in_use: int, limit: int) -> OrderRefused:
    return OrderRefused(
        _("Service %(sid)s already has %(count)s of the %(limit)s backups its package allows; delete one first.")
        % {"sid": service.billing_service_id, "count": in_use, "limit": limit}
    )


def request_backup_create(service: Service, *, requested_by: str = "") -> OperationRequest:
    """Ask for a backup of the service's VM; refused when the package's backup count is reached."""
    limit = backup_limit(service)
    with checking_vm(service) as client:
        in_use = slots_in_use(service, service_backups(client, service))
        if in_use >= limit:
            raise _over_limit(service, in_use, limit)
        return submit(service, BACKUP_CREATE, requested_by=requested_by)


def _backup(client: ProxmoxClient, service: Service, volid: str) -> Volume:
    for backup in service_backups(client, service):
        if backup.volid == volid:
            return backup
    raise OrderRefused(
        _('Service %(sid)s has no backup "%(volid)s".') % {"sid": service.billing_service_id, "volid": volid}
    )


def submit_backup_delete(service: Service, backup: Volume, *, requested_by: str) -> OperationRequest:
    """Ask for the deletion of one of the service's backups, known to exist (returns the open request if one is)."""
    already = open_requests(service, BACKUP_DELETE).filter(params__volid=backup.volid).first()
    if already is not None:
        return already
    return submit(service, BACKUP_DELETE, params={"volid": backup.volid}, requested_by=requested_by)


def request_backup_delete(service: Service, volid: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for the backup to be deleted; asking again while it is being deleted returns that request."""
    _storage(service)
    with checking_vm(service) as client:
        return submit_backup_delete(service, _backup(client, service, volid.strip()), requested_by=requested_by)


def _running(client: ProxmoxClient, service: Service) -> bool:
    assert service.vmid is not None
    try:
        return client.vm_status(service.node, service.vmid).status == "running"
    except ProxmoxApiError as error:
        if error.missing:  # a failed restore may leave no VM: restoring creates it again
            return False
        raise


def request_backup_restore(service: Service, volid: str, *, requested_by: str = "") -> OperationRequest:
    """Ask for the VM to be restored from the backup. Refused while the VM runs: the client stops it first."""
    _storage(service)
    volid = volid.strip()
    with checking_vm(service) as client:
        backup = _backup(client, service, volid)
        if volid in being_deleted(service):
            raise OrderRefused(
                _('The backup "%(volid)s" of service %(sid)s is being deleted.')
                % {"sid": service.billing_service_id, "volid": volid}
            )
        if _running(client, service):
            raise OrderRefused(
                _("The VM of service %(sid)s is running: stop it before restoring a backup.")
                % {"sid": service.billing_service_id}
            )
        return submit(
            service, BACKUP_RESTORE, params={"volid": volid, "backup": backup.filename}, requested_by=requested_by
        )


# ------------------------------------------------------------------ steps


def _job_error(ctx: StepContext, result: TaskResult) -> str:
    """Why a vzdump job failed: its exit status only says `job errors`; the task log's ERROR line says why."""
    errors = [line.text for line in ctx.client.task_log(result.ref) if line.text.startswith("ERROR:")]
    return errors[-1].removeprefix("ERROR:").strip() if errors else result.exitstatus


@step("create_backup")
def create_backup(ctx: StepContext) -> Outcome:
    """vzdump of the VM to the plan's backup storage (snapshot mode: a running VM keeps running), tagged as the
    service's. A backup that fails leaves the VM as it was: the operation ends with the reason."""
    pending = ctx.pending("vzdump")
    if isinstance(pending, Wait):
        return pending
    if pending is not None:
        if pending.ok:
            return Done()
        return Failed(_("Backup failed: %(error)s") % {"error": _job_error(ctx, pending)}, retryable=False)
    storage = ctx.plan.backup_storage
    if not storage:
        return Failed(_("Plan %(plan)s has no backup storage.") % {"plan": ctx.plan.name}, retryable=False)
    return ctx.start(
        lambda: ctx.client.vzdump(ctx.service.node, ctx.vmid, storage, notes=backup_tag(ctx.service)), "vzdump"
    )


@step("delete_backup")
def delete_backup(ctx: StepContext) -> Outcome:
    volid = ctx.param("volid")
    pending = ctx.pending("delete backup")
    if pending is not None:
        return finished(pending, _("Delete backup"), retry=False)
    if volid not in {backup.volid for backup in service_backups(ctx.client, ctx.service)}:
        return skip(_("skip - already deleted"))
    storage = volid.partition(":")[0]
    return ctx.start(lambda: ctx.client.delete_volume(ctx.service.node, storage, volid), "delete backup")


@step("restore_backup")
def restore_backup(ctx: StepContext) -> Outcome:
    """qmrestore of the archive over the VM, same VMID (`force`): its config and disks become the archive's. A
    failure stops the restore in error_restore: Proxmox may have destroyed the old disks already."""
    volid = ctx.param("volid")
    pending = ctx.pending("qmrestore")
    if pending is not None:
        return finished(pending, _("Restore"), retry=False)
    return ctx.start(lambda: ctx.client.restore(ctx.service.node, ctx.vmid, volid, force=True), "qmrestore")


@step("verify_running_and_mail_restored")
def verify_running_and_mail_restored(ctx: StepContext) -> Outcome:
    """The restore's last step: the VM runs, and the client hears of it once (the mail is keyed on the request)."""
    outcome = verify_running(ctx)
    if isinstance(outcome, Failed):
        return outcome
    if not ctx.service.client_email:
        return Done(_("no e-mail address for the client"))
    send_backup_restored(
        ctx.service.client_email,
        key=f"backup_restored:{ctx.service.request_id}",
        hostname=ctx.service.hostname,
        backup=ctx.param("backup", default=ctx.param("volid")),
        plan=ctx.service.plan_id,
    )
    return Done()
