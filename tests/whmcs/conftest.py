"""Driving the WHMCS module from php-cli against a live proxvps with the sandbox cluster behind it.

`whmcs.call("CreateAccount", params)` runs tests/whmcs/driver.php, which includes the module with only the WHMCS
pieces it touches stubbed, calls `proxvps_CreateAccount($params)` and reports its result, the module's log lines
(each also handed to the suite's secret scan) and the database updates it asked WHMCS for. Without `php`
these tests skip, except in CI (CI set), where a missing php is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from proxvps.api.models import ApiToken, TokenScope
from tests.lifecycle.conftest import cluster, plan  # noqa: F401 - fixtures of the module tests
from tests.secret_scan import shown

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "integrations/whmcs/modules/servers/proxvps/proxvps.php"
DRIVER = Path(__file__).with_name("driver.php")
VM_PASSWORD = "Whmcs-Vm-Pass-4711"


def _php() -> str:
    php = shutil.which("php")
    missing = "php-cli is not installed (apt-get install php-cli php-curl)"
    if php is not None:
        probe = subprocess.run([php, "-r", "exit(function_exists('curl_init') ? 0 : 1);"], check=False)
        if probe.returncode == 0:
            return php
        missing = "php has no curl extension (apt-get install php-curl)"
    if os.environ.get("CI"):
        pytest.fail(f"{missing}; .ci/run installs it")
    pytest.skip(missing)


class Whmcs:
    """WHMCS as the module sees it: one server entry pointing at the live proxvps, and the calls it makes."""

    def __init__(self, php: str, url: str, token: str) -> None:
        self.php = php
        address = urlsplit(url)
        self.server = {
            "serverid": 1,
            "serverhostname": address.hostname,
            "serverip": "127.0.0.1",
            "serverport": str(address.port),
            "serversecure": False,
            "serverhttpprefix": "http",
            "serverusername": "",
            "serverpassword": "",
            "serveraccesshash": f"\n{token}\n",
        }
        self.token = token

    def params(
        self, service_id: int = 501, client_id: int = 77, plan_name: str = "VPS M", **changes: Any
    ) -> dict[str, Any]:
        """A WHMCS-shaped $params: configurable options with a plain and a legacy name."""
        return {
            "serviceid": service_id,
            "userid": client_id,
            "pid": 3,
            "domain": "",
            "username": "",
            "password": VM_PASSWORD,
            "configoption1": plan_name,
            "configoption2": "",
            "configoptions": {"CPU Cores": 2, "RAM": "2048|2 GB", "ipv4": "1"},
            "customfields": {},
            "clientsdetails": {"userid": client_id, "firstname": "Ann", "lastname": "Lee", "email": "ann@example.com"},
            **self.server,
            **changes,
        }

    def call(self, function: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """The driver's report: result, module_log, updates."""
        stdin = json.dumps({"module": str(MODULE), "function": function, "params": params, **extra})
        done = subprocess.run(
            [self.php, str(DRIVER)], input=stdin, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr + done.stdout
        assert not done.stderr, done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        for line in report["module_log"]:
            shown(f"WHMCS module log ({function})", line)
        return report


@pytest.fixture
def whmcs(live_server, transactional_db) -> Whmcs:
    php = _php()
    token = ApiToken.issue("whmcs", TokenScope.BILLING)[1]
    return Whmcs(php, live_server.url, token)
