"""A mail backend for the concurrency test: Django's in-memory outbox, with a short pause per message so that two
deliverers running at once really overlap."""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend

PAUSE = 0.01


class SlowLocmemBackend(EmailBackend):
    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        time.sleep(PAUSE)
        return super().send_messages(messages)
