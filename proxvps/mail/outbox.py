"""Putting a mail in the outbox, and delivering it exactly once through Django's mail framework.

`enqueue` inserts the message in the caller's transaction, unless its key is already there, and asks for its
delivery once that transaction commits: a rolled-back order sends nothing, and a step run twice sends one mail.
A delivery that fails (the SMTP server is down) leaves the message pending with its error; `deliver_pending`,
which the worker calls after each processVirtualMachines pass, tries it again.

A deliverer claims a message before sending it with a conditional UPDATE that moves its `next_attempt_at` past a
lease; the database applies one of two racing UPDATEs, so two deliverers never send one message. The one gap SMTP
leaves: a deliverer that dies after the server accepted the mail but before it recorded that sends it again when
the lease ends. Bodies carry passwords: nothing here logs one.
"""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from proxvps.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
"""How long a claim holds: far longer than one SMTP delivery (EMAIL_TIMEOUT bounds each wait on the server)."""
BATCH = 50
"""Messages one deliver_pending call sends at most, so a worker pass ends in bounded time."""


def enqueue(*, key: str, event: str, recipient: str, subject: str, body: str) -> None:
    """Put the message in the outbox unless one with this key is there already (then this does nothing), and
    deliver it once the surrounding transaction commits (at once outside a transaction)."""
    message = OutboxMessage(key=key, event=event, recipient=recipient, subject=subject, body=body)
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=True)
    transaction.on_commit(partial(deliver, key), robust=True)


def deliver(key: str) -> None:
    """Send the message with this key now, unless it was sent, or waits for a retry, or another deliverer has it."""
    _deliver(OutboxMessage.objects.filter(key=key), 1)


def deliver_pending(limit: int = BATCH) -> int:
    """Send the messages that are due, and claimed by no other deliverer; how many went out. Those never tried
    go first, then the others by when they were due, so one message the server keeps refusing does not hold the
    rest back."""
    return _deliver(OutboxMessage.objects.order_by(Coalesce("next_attempt_at", "created_at"), "pk"), limit)


def _due(now: datetime) -> Q:
    return Q(sent_at__isnull=True) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _deliver(candidates: QuerySet[OutboxMessage], limit: int) -> int:
    """Claim and send up to `limit` of the candidates that are due, over one SMTP connection. The first failure
    ends the batch: the server is most likely down, and the others would each wait for the same timeout."""
    now = timezone.now()
    # Twice the limit: another deliverer may claim some of them between this read and our UPDATE.
    due = list(candidates.filter(_due(now)).values_list("pk", flat=True)[: limit * 2])
    sent = 0
    if not due:
        return sent
    with closing(get_connection()) as connection:
        for pk in due:
            if not _claim(pk, now):
                continue
            if not _send(pk, connection):
                break
            sent += 1
            if sent == limit:
                break
    return sent


def _claim(pk: int, now: datetime) -> bool:
    """Take the message if it is still due: True for the one deliverer whose UPDATE applied."""
    rows = OutboxMessage.objects.filter(Q(pk=pk) & _due(now))
    return rows.update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1) == 1


def _send(pk: int, connection: BaseEmailBackend) -> bool:
    """Send a message we claimed and record the outcome; False when it failed (it is tried again after
    PROXVPS_RETRY_SECONDS)."""
    message = OutboxMessage.objects.get(pk=pk)
    email = EmailMessage(
        message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient], connection=connection
    )
    try:
        connection.open()
        email.send()
    except Exception as error:  # whatever the server or the network did, the message stays pending
        reason = str(error) or type(error).__name__
        logger.warning(
            "Mail %s to %s not delivered (attempt %s): %s", message.key, message.recipient, message.attempts, reason
        )
        retry = timezone.now() + timedelta(seconds=settings.PROXVPS_RETRY_SECONDS)
        OutboxMessage.objects.filter(pk=pk).update(last_error=reason, next_attempt_at=retry)
        return False
    OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now(), next_attempt_at=None, last_error="")
    return True
