"""How work enters the lifecycle: an order creates a service in `new`; a change of package moves a ready service to
`change_package`. Both answer at once; the worker does the rest. Bad input is refused before anything is written.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from proxvps.domain import states
from proxvps.domain.naming import render_hostname, vm_name
from proxvps.domain.options import OptionError, Resources, resolve_resources, validate_addressing
from proxvps.domain.transitions import CHANGE_PACKAGE, DEPLOY
from proxvps.inventory.choices import RequestStatus
from proxvps.inventory.models import OperationRequest, Plan, Service, Template
from proxvps.lifecycle.context import plan_defaults
from proxvps.lifecycle.requests import OrderRefused, submit
from proxvps.mail.messages import send_welcome

PASSWORD_LENGTH = 20
PASSWORD_ALPHABET = string.ascii_letters + string.digits


def new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_LENGTH))


def offered_templates(plan: Plan) -> list[Template]:
    """The operating systems a client of the plan may pick: the plan's list, or its default alone."""
    return list(plan.templates.all()) or ([plan.template] if plan.template else [])


def _validated(plan: Plan, options: Mapping[str, object]) -> tuple[Resources, Template | None]:
    """The resources the options give on this plan, and the template the client picked (or the plan's)."""
    resources = resolve_resources(plan_defaults(plan), options)
    validate_addressing(resources, plan.dhcp)
    template = plan.template
    if resources.operating_system:
        wanted = resources.operating_system.strip()
        matches = [
            t for t in offered_templates(plan) if wanted.lower() in (t.os_name.lower(), t.name.lower(), str(t.vmid))
        ]
        if not matches:
            raise OptionError(
                [
                    (
                        "Operating System",
                        _('Option "Operating System": "%(os)s" is not offered by plan %(plan)s.')
                        % {"os": wanted, "plan": plan},
                    )
                ]
            )
        template = matches[0]
    return resources, template


def order_service(
    *,
    billing_service_id: str,
    client_ref: str,
    plan: Plan,
    options: Mapping[str, object] | None = None,
    hostname: str = "",
    password: str = "",
    client_email: str = "",
    client_name: str = "",
    requested_by: str = "",
) -> Service:
    """Create the service (idempotent on the billing id: ordering twice returns the first one)."""
    existing = Service.objects.filter(billing_service_id=billing_service_id).first()
    if existing is not None:
        return existing
    options = dict(options or {})
    try:
        _resources, template = _validated(plan, options)
        name = hostname.strip().lower() or render_hostname(
            plan.hostname_template, prefix=plan.name_prefix, client_id=client_ref, service_id=billing_service_id
        )
        vm = vm_name(name)
    except (OptionError, ValueError) as error:
        raise OrderRefused(str(error)) from error
    try:
        with transaction.atomic():
            service = Service.objects.create(
                billing_service_id=billing_service_id,
                client_ref=client_ref,
                client_email=client_email,
                client_name=client_name,
                plan=plan,
                options=options,
                template=template,
                hostname=name,
                vm_name=vm,
                username=plan.vm_username,
                password=password or new_password(),
                state=states.NEW,
            )
            deploy = OperationRequest.objects.create(
                service=service,
                operation=DEPLOY.name,
                requested_by=requested_by,
                status=RequestStatus.STARTED,
                started_at=timezone.now(),
            )
            Service.objects.filter(pk=service.pk).update(request=deploy)
            service.request = deploy
            if client_email:
                send_welcome(client_email, key=f"welcome:{service.pk}", hostname=name, plan=plan.pk)
    except IntegrityError:
        # The same order arrived twice at once: the other request created it.
        return Service.objects.get(billing_service_id=billing_service_id)
    return service


def request_change_package(
    service: Service,
    *,
    plan: Plan | None = None,
    options: Mapping[str, object] | None = None,
    requested_by: str = "",
) -> OperationRequest:
    """Ask for the service's package to change to `plan` and `options` (validated now): it starts at once on a
    ready service, or after the operation in flight."""
    new_plan = plan or service.plan
    new_options = dict(service.options if options is None else options)
    try:
        _validated(new_plan, new_options)
    except (OptionError, ValueError) as error:
        raise OrderRefused(str(error)) from error
    return submit(
        service,
        CHANGE_PACKAGE,
        fields={"plan_id": new_plan.pk, "options": new_options},
        requested_by=requested_by,
    )
