"""The `proxvps sandbox` command, run as a process."""

import os
import signal
import ssl
import subprocess
import sys

import httpx


def test_cli_prints_how_to_reach_the_sandbox_and_serves_it():
    options = ["--nodes", "3", "--listen", "127.0.0.1:0", "--time-scale", "0"]
    command = [sys.executable, "-m", "proxvps.sandbox.cli", *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().rstrip("\n") for _ in range(4)]
            info = {key: value for key, _, value in (line.partition(": ") for line in lines)}
            token_id, secret = info["token"].split("=", 1)
            with httpx.Client(verify=ssl.create_default_context(cafile=info["cafile"])) as client:
                response = client.get(
                    f"{info['url']}/api2/json/cluster/resources",
                    params={"type": "node"},
                    headers={"Authorization": f"PVEAPIToken={token_id}={secret}"},
                )
            cafile = info["cafile"]
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(10)

    assert token_id == "root@pam!proxvps"
    assert info["url"].startswith("https://127.0.0.1:")
    assert len(info["fingerprint"].split(":")) == 32
    assert [n["node"] for n in response.json()["data"]] == ["pve1", "pve2", "pve3"]
    assert process.returncode == 0
    assert not os.path.exists(cafile)
