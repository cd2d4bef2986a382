"""Two deliverers at once (two worker passes ending together) send each pending message exactly once: each one
claims a message with a conditional UPDATE before it sends it."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from proxvps.mail.models import OutboxMessage
from proxvps.mail.outbox import deliver_pending

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = 40
DELIVERERS = 2


def test_two_deliverers_at_once_send_each_message_once(settings) -> None:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(key=f"vm_ready:{n}", event="vm_ready", recipient=f"c{n}@example.com", subject=f"m{n}", body="b")
        for n in range(MESSAGES)
    )
    settings.EMAIL_BACKEND = "tests.mail.backends.SlowLocmemBackend"
    start = threading.Barrier(DELIVERERS)
    counts: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait()
            total = 0
            while sent := deliver_pending(limit=5):
                total += sent
            counts.append(total)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(DELIVERERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    subjects = Counter(message.subject for message in mail.outbox)
    assert sorted(subjects) == sorted(f"m{n}" for n in range(MESSAGES))
    assert set(subjects.values()) == {1}, "no message sent twice"
    assert sum(counts) == MESSAGES
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
