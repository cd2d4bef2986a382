"""`proxvps demo` end to end: it prints its lines, serves the admin and the API, and stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

DEADLINE_S = 90


def _read_until(process: subprocess.Popen[str], prefix: str, seen: list[str]) -> str:
    """The first output line starting with prefix (every line read is kept in seen)."""
    assert process.stdout is not None
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line.rstrip("\n"))
        if line.startswith(prefix):
            return line.rstrip("\n")
    raise AssertionError(f"no {prefix!r} line; output so far: {seen}")


@pytest.mark.slow
def test_demo_serves_the_admin_and_the_api_then_stops_on_interrupt(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PROXVPS_DATA_DIR")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "proxvps.cli",
            "demo",
            "--data-dir",
            str(tmp_path),
            "--listen",
            "127.0.0.1:0",  # the demo binds a free port itself and names it in the URLs it prints
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    seen: list[str] = []
    try:
        admin = _read_until(process, "admin: ", seen)
        api = _read_until(process, "api: ", seen)
        ready = _read_until(process, "demo ready: ", seen)
        client_area = _read_until(process, "client area: ", seen)
        assert any(line.startswith("connection test: ok, Proxmox VE 9.") for line in seen), seen
        assert [line for line in seen if line.startswith("node: ")] == [
            "node: pve1 online",
            "node: pve2 online",
            "node: pve3 online",
        ]
        admin_match = re.fullmatch(r"admin: (\S+) user=(\S+) password=(\S+)", admin)
        api_match = re.fullmatch(r"api: (\S+) token=(\S+)", api)
        assert admin_match
        assert api_match
        admin_url, user, password = admin_match.groups()
        api_url, token = api_match.groups()
        port = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/admin/", admin_url)
        assert port, admin_url
        assert int(port.group(1)) > 0
        assert api_url == f"http://127.0.0.1:{port.group(1)}/api/v1/"

        with httpx.Client(timeout=10) as web:
            login = web.get(admin_url + "login/")
            assert login.status_code == 200
            answer = web.post(
                admin_url + "login/?next=/admin/",
                data={
                    "username": user,
                    "password": password,
                    "csrfmiddlewaretoken": web.cookies["csrftoken"],
                    "next": "/admin/",
                },
                headers={"Referer": admin_url + "login/"},
            )
            assert answer.status_code == 302
            assert answer.headers["location"] == "/admin/"
            assert web.get(admin_url + "inventory/server/").status_code == 200
            service_page = web.get(ready.removeprefix("demo ready: "))
            assert service_page.status_code == 200
            assert "demo-1" in service_page.text

        with httpx.Client(timeout=10, follow_redirects=True) as client:
            link = re.fullmatch(r"client area: (\S+) \(one-time sign-in link, 2 minutes\)", client_area)
            assert link, client_area
            area = client.get(link.group(1))
            assert area.status_code == 200
            assert area.url.path == "/client/services/demo-1/"
            for tab in ("graphs", "snapshots", "backups", "firewall", "iso", "reinstall", "password"):
                assert f"/client/services/demo-1/{tab}/" in area.text, tab
            reinstall = client.get(str(area.url.join("reinstall/")))
            assert "Ubuntu 24.04 LTS" in reinstall.text

            plans = httpx.get(api_url + "billing/plans", headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert plans.status_code == 200
            assert [plan["name"] for plan in plans.json()] == ["Demo VPS"]
            templates = httpx.get(
                api_url + "billing/templates", headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            assert {t["vmid"] for t in templates.json()} >= {9000, 9001, 9002, 9003}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
    assert process.returncode == 0, seen + rest.splitlines()
    assert "demo stopped" in rest
