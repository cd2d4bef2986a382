"""Keeping secrets out of log lines.

Two nets, because one is not enough: patterns catch secrets in the shapes we know (a PVE token header, a
`password=` pair), and every secret this process decrypted is remembered so that its literal value is masked
wherever it turns up, whatever shape the text around it has.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
# Shorter values are too likely to match ordinary text; they are masked by the patterns only.
MIN_REMEMBERED_LENGTH = 6

_PATTERNS = [
    re.compile(r"(PVEAPIToken=[^=\s]+=)[^\s,;'\"]+"),
    re.compile(r"((?:password|secret|token|api_key|apikey|key)[\"']?\s*[=:]\s*[\"']?)[^\s,;'\"&]+", re.I),
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
]

_known: set[str] = set()
_lock = threading.Lock()


def remember(secret: str) -> None:
    """Mask this value in every later log line of the process."""
    if len(secret) >= MIN_REMEMBERED_LENGTH:
        with _lock:
            _known.add(secret)


def known_secrets() -> frozenset[str]:
    """Every secret remembered so far (the test suite's secret scan looks for them in what it captured)."""
    with _lock:
        return frozenset(_known)


def redact(text: str) -> str:
    """The text with every known secret and every secret-shaped pair masked."""
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A logging filter that renders the record once, redacted, so no handler sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
