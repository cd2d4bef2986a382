"""The suite-wide secret scan (tests/secret_scan.py) finds a secret wherever it was shown, leaves out only the
owner's own password answer, and fails a run that leaked, with or without xdist."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.http import HttpResponse, JsonResponse

from tests.secret_scan import SecretScan, response_text

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zq7-leaky-secret-0815"


def test_the_scan_finds_a_secret_in_what_was_shown() -> None:
    scan = SecretScan()
    scan.secret(SECRET)
    scan.shown("log proxvps.x", "ERROR proxvps.x clone failed")
    scan.shown("response GET /x 200", f'{{"token": "{SECRET}"}}')
    assert scan.findings() == ["response GET /x 200: holds the secret Zq...15 (21 characters)"]
    assert scan.findings(["clone failed"]) == [
        "log proxvps.x: holds the secret cl...ed (12 characters)",
        "response GET /x 200: holds the secret Zq...15 (21 characters)",
    ]


def test_values_too_short_to_tell_from_ordinary_text_are_not_looked_for() -> None:
    scan = SecretScan()
    scan.secret("root")
    scan.shown("page", "user: root")
    assert scan.findings() == []


def test_only_the_password_of_the_owners_credentials_answer_is_left_out() -> None:
    body = {"username": "root", "password": SECRET, "note": f"also {SECRET}"}
    kept = response_text("/api/v1/client/services/12/credentials", JsonResponse(body))
    assert kept is not None
    assert json.loads(kept) == {"username": "root", "note": f"also {SECRET}"}
    other = response_text("/api/v1/billing/services/12", JsonResponse(body))
    assert other is not None
    assert other.count(SECRET) == 2
    assert response_text("/api/v1/client/services/12/credentials", HttpResponse(SECRET, status=403)) == SECRET


LEAKING_TEST = f"""
import logging
from proxvps import encryption

def test_leaks():
    encryption.encrypt("{SECRET}")
    logging.getLogger("proxvps.example").warning("the value is %s", "{SECRET}")
"""


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["one process", "xdist"])
def test_a_leak_fails_the_run_whose_tests_all_passed(pytester: pytest.Pytester, monkeypatch, workers) -> None:
    """(That a clean run passes, the whole suite proves every time it is green.)"""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("PROXVPS_DATA_DIR", str(pytester.path / "data"))
    pytester.makepyfile(test_inner=LEAKING_TEST)
    result = pytester.runpytest_subprocess("-p", "tests.secret_scan", "-p", "no:cacheprovider", *workers)
    result.stdout.fnmatch_lines(["*1 passed*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*secret scan: secrets were shown*", "log proxvps.example: holds the secret Zq*"])
