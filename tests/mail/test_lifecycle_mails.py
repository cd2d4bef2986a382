"""The mails of a deploy driven through the lifecycle against the sandbox: one welcome at order time and one "ready"
with the VM's real address and password, however often the last step runs; and the worker's pass delivers what
could not go out at once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from proxvps.domain import states
from proxvps.inventory.models import Plan, Service
from proxvps.ipam.allocation import addresses_of
from proxvps.lifecycle.orders import order_service
from proxvps.mail.models import OutboxMessage
from tests.lifecycle.conftest import drive
from tests.mail.conftest import SmtpServer


def _order(plan: Plan, sid: str = "5546") -> Service:
    return order_service(billing_service_id=sid, client_ref="77", plan=plan, client_email="client@example.com")


@pytest.mark.django_db
def test_a_deploy_sends_one_welcome_and_one_ready_mail_with_the_vms_address(
    plan: Plan, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        service = _order(plan)
        _order(plan)  # the billing system sends the order twice
    assert [m.subject for m in mail.outbox] == [f"Your server {service.hostname} is being created"]

    with django_capture_on_commit_callbacks(execute=True):
        drive(service)
    assert service.state == states.READY
    ips = [address.ip for address in addresses_of(service)]
    assert ips == ["192.0.2.10", "2001:db8::10"]
    assert len(mail.outbox) == 2
    ready = mail.outbox[1]
    assert ready.to == ["client@example.com"]
    assert ready.subject == f"Your server {service.hostname} is ready"
    assert f"IP addresses: {', '.join(ips)}" in ready.body
    assert f"User: {service.username}" in ready.body
    assert f"Password: {service.password}" in ready.body

    # The last step runs again (a worker that crashed after the mail, before it recorded the step): no second mail.
    Service.objects.filter(pk=service.pk).update(state=states.STARTING)
    with django_capture_on_commit_callbacks(execute=True):
        drive(service)
    assert service.state == states.READY
    assert len(mail.outbox) == 2
    assert sorted(OutboxMessage.objects.values_list("key", flat=True)) == [
        f"vm_ready:{service.pk}",
        f"welcome:{service.pk}",
    ]


@pytest.mark.django_db
def test_a_client_without_an_email_address_gets_no_mail(plan: Plan, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        service = order_service(billing_service_id="1", client_ref="77", plan=plan)
        recorder = drive(service)
    assert service.state == states.READY
    assert recorder.steps[-1].note == "no e-mail address for the client"
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_pass_delivers_the_mails_the_smtp_server_was_down_for(
    plan: Plan, smtp_down: SmtpServer, settings
) -> None:
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01
    settings.PROXVPS_RETRY_SECONDS = 0
    service = _order(plan)
    pending = OutboxMessage.objects.get()
    assert (pending.sent_at, pending.attempts) == (None, 1)
    assert pending.last_error

    smtp_down.start()
    call_command("cron", "--task", "processVirtualMachines", stdout=StringIO())
    service.refresh_from_db()
    assert service.state == states.READY
    subjects = sorted(received.subject for received in smtp_down.inbox.received)
    assert subjects == [
        f"Your server {service.hostname} is being created",
        f"Your server {service.hostname} is ready",
    ]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
