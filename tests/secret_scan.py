"""A pytest plugin that scans everything the suite's code showed a person for secrets (SPEC S21).

During the whole session it keeps every response body Django produced (test client, live server and schemathesis
alike: all go through `BaseHandler.get_response`) and every log record, rendered as the product's log handler
writes it (through `RedactSecretsFilter`, at DEBUG so nothing is filtered out by level). At the end it looks in
them for every secret the process handled: what `proxvps.redaction` remembered (each decrypted secret, each
Proxmox token) and each plaintext `proxvps.encryption.encrypt` sealed (VM passwords, token secrets, DNS keys).

One answer may carry a VM password: the client's own credentials endpoint; its `password` value is left out of
the scan, nothing else of it. A finding fails the run: per xdist worker, the findings travel to the controller in
`workeroutput`, which turns them into a failing exit status and a report.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase

from proxvps import encryption, redaction

CREDENTIALS = re.compile(r"^/api/v1/client/services/[^/]+/credentials$")
"""The one answer that hands a VM password to its owner."""
WORKER_KEY = "proxvps_secret_leaks"


class SecretScan:
    """What was shown, and the secrets to look for in it."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.secrets: set[str] = set()

    def shown(self, where: str, text: str) -> None:
        self.texts.append((where, text))

    def secret(self, value: str) -> None:
        if len(value) >= redaction.MIN_REMEMBERED_LENGTH:
            self.secrets.add(value)

    def findings(self, extra_secrets: Iterable[str] = ()) -> list[str]:
        """One line per text that holds a secret: where it was shown, and which secret (masked but for its ends)."""
        secrets = sorted(self.secrets | set(extra_secrets), key=len, reverse=True)
        found = []
        for where, text in self.texts:
            for secret in secrets:
                if secret in text:
                    found.append(f"{where}: holds the secret {secret[:2]}...{secret[-2:]} ({len(secret)} characters)")
                    break
        return found


def response_text(path: str, response: HttpResponseBase) -> str | None:
    """The body as the scan reads it, or None for a streamed one (static files)."""
    if response.streaming:
        return None
    text = bytes(response.content).decode("utf-8", errors="replace")  # type: ignore[attr-defined]
    if CREDENTIALS.match(path) and response.status_code == 200:
        body = json.loads(text)
        body.pop("password", None)
        text = json.dumps(body)
    return text


class _LogCapture(logging.Handler):
    def __init__(self, scan: SecretScan) -> None:
        super().__init__(logging.DEBUG)
        self.scan = scan
        self.addFilter(redaction.RedactSecretsFilter())
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.scan.shown(f"log {record.name}", self.format(record))


_scan = SecretScan()
_undo: list[Callable[[], None]] = []


def shown(where: str, text: str) -> None:
    """Add a text shown outside Django (the WHMCS module's log) to this session's scan."""
    _scan.shown(where, text)


def pytest_sessionstart(session: pytest.Session) -> None:
    original_response = BaseHandler.get_response
    original_encrypt = encryption.encrypt

    def get_response(self: BaseHandler, request: HttpRequest) -> HttpResponseBase:
        response = original_response(self, request)
        text = response_text(request.path, response)
        if text is not None:
            _scan.shown(f"response {request.method} {request.path} {response.status_code}", text)
        return response

    def encrypt(plaintext: str) -> str:
        _scan.secret(plaintext)
        return original_encrypt(plaintext)

    BaseHandler.get_response = get_response  # type: ignore[method-assign]
    encryption.encrypt = encrypt
    root, ours = logging.getLogger(), logging.getLogger("proxvps")
    level = ours.level
    handlers = [(handler, handler.level) for handler in root.handlers]
    for handler, previous in handlers:
        handler.setLevel(max(previous, root.getEffectiveLevel()))
    capture = _LogCapture(_scan)
    root.addHandler(capture)
    ours.setLevel(logging.DEBUG)

    def undo() -> None:
        BaseHandler.get_response = original_response  # type: ignore[method-assign]
        encryption.encrypt = original_encrypt
        root.removeHandler(capture)
        ours.setLevel(level)
        for handler, previous in handlers:
            handler.setLevel(previous)

    _undo.append(undo)


def _report(session: pytest.Session, leaks: list[str]) -> None:
    session.config.stash[_LEAKS] = leaks
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LEAKS = pytest.StashKey[list[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    while _undo:
        _undo.pop()()
    leaks = _scan.findings(redaction.known_secrets())
    workeroutput: dict[str, Any] | None = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[WORKER_KEY] = leaks
        return
    _report(session, leaks + session.config.stash.get(_WORKER_LEAKS, []))


_WORKER_LEAKS = pytest.StashKey[list[str]]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: keep what a worker's scan found."""
    leaks = getattr(node, "workeroutput", {}).get(WORKER_KEY, [])
    config = node.config
    config.stash[_WORKER_LEAKS] = config.stash.get(_WORKER_LEAKS, []) + leaks


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    leaks = config.stash.get(_LEAKS, [])
    if leaks:
        terminalreporter.write_sep("=", "secret scan: secrets were shown", red=True)
        for line in leaks:
            terminalreporter.write_line(line)
