"""Reset password (SPEC S10): the VM is powered off, the new password is saved (encrypted) and written into its
cloud-init settings, the cloud-init drive is rebuilt, the VM starts and the client gets the new password.

It works only through cloud-init: a VM without a cloud-init drive (its template had none) cannot take a new
password this way, so such a request is refused before anything changes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from proxvps.domain import states
from proxvps.domain.transitions import RESET_PASSWORD
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import OperationRequest, Service
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle import cloudinit, power
from proxvps.lifecycle.cloudinit import config_has_cloudinit_drive
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.orders import new_password
from proxvps.lifecycle.outcomes import Done, Failed, Outcome
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.lifecycle.steps import step
from proxvps.mail.messages import send_password_reset
from proxvps.proxmox import ProxmoxError


def _no_cloudinit(service: Service) -> str:
    return _(
        "The password of service %(sid)s cannot be reset: its VM has no cloud-init drive (its operating system "
        "template has none)."
    ) % {"sid": service.billing_service_id}


def _has_cloudinit(service: Service) -> bool:
    """Whether the VM can take a password through cloud-init: its config says so when the VM is idle and
    reachable; while another operation runs (a reinstall may be replacing the VM), its template says so."""
    if service.state == states.READY and service.server is not None and service.vmid is not None:
        try:
            with client_for(service.server) as client:
                return config_has_cloudinit_drive(client.vm_config(service.node, service.vmid))
        except ProxmoxError as error:
            raise OrderRefused(
                _("The VM of service %(sid)s cannot be read: %(error)s")
                % {"sid": service.billing_service_id, "error": error}
            ) from error
    template = service.template or service.plan.template
    return template is None or template.has_cloudinit


def request_reset_password(service: Service, password: str = "", *, requested_by: str = "") -> OperationRequest:
    """Ask for a new VM password: the one given, or a random one. It waits, encrypted, in the request until the
    operation saves it on the service. Refused, with nothing changed, for a VM without a cloud-init drive."""
    if password and (len(password) < 8 or password != password.strip() or "\n" in password):
        raise OrderRefused(_("A password needs at least 8 characters and no leading or trailing blanks."))
    if not _has_cloudinit(service):
        raise OrderRefused(_no_cloudinit(service))
    return submit(service, RESET_PASSWORD, secret=password or new_password(), requested_by=requested_by)


@step("stop_for_password")
def stop_for_password(ctx: StepContext) -> Outcome:
    """Power the VM off for the new password; a VM whose cloud-init drive went away since the request is left
    running and the operation stops for staff (the client was told the reset would work)."""
    if not ctx.service.task_upid and not cloudinit.has_cloudinit_drive(ctx):
        return Failed(_no_cloudinit(ctx.service), retryable=False)
    return power.shut_down(ctx)


@step("set_new_password")
def set_new_password(ctx: StepContext) -> Outcome:
    """Save the request's password on the service (encrypted), write the VM's cloud-init settings with it and
    rebuild its cloud-init drive. Idempotent: a retry writes the same again."""
    if not cloudinit.has_cloudinit_drive(ctx):
        return Failed(_no_cloudinit(ctx.service), retryable=False)
    ctx.record(password=ctx.request.secret)
    outcome = cloudinit.cloudinit(ctx)
    ctx.client.regenerate_cloudinit(ctx.service.node, ctx.vmid)
    return outcome


@step("verify_running_and_email_password")
def verify_running_and_email_password(ctx: StepContext) -> Outcome:
    """The VM runs again, and the client gets the new password (once per request)."""
    outcome = power.verify_running(ctx)
    if isinstance(outcome, Failed):
        return outcome
    if not ctx.service.client_email:
        return Done(_("no e-mail address for the client"))
    send_password_reset(
        ctx.service.client_email,
        key=f"password_reset:{ctx.request.pk}",
        hostname=ctx.service.hostname,
        addresses=[address.ip for address in addresses_of(ctx.service)],
        username=ctx.service.username,
        password=ctx.service.password,
        plan=ctx.service.plan_id,
    )
    return Done()
