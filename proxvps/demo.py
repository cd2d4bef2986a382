"""`proxvps demo`: the whole product on its embedded defaults, in one command.

It prepares an SQLite database in the data directory, starts a sandbox cluster, registers it with a plan and IP
pools, syncs its nodes and templates, serves the admin site and the REST API, runs the worker (its cron output goes
to `worker.log` in the data directory), orders a first VM, and prints the lines a person (or a script) needs:
the admin login, the API token, and `demo ready: <url>` once that VM runs. It runs until interrupted and stops
everything it started.

This module is outside the apps on purpose: it is the one place besides tests and benchmarks that may import the
sandbox (an import-linter contract).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="proxvps demo", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--data-dir", default=".proxvps", help="where the SQLite database lives (default ./.proxvps)")
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8000",
        help="host:port of the web server (default 127.0.0.1:8000; port 0 picks a free one, shown in the URLs)",
    )
    parser.add_argument("--nodes", type=int, default=3, help="nodes of the sandbox cluster (default 3)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=0.05,
        help="real seconds per Proxmox second in the sandbox (default 0.05)",
    )
    return parser.parse_args(argv)


def _say(out: TextIO, line: str) -> None:
    out.write(line + "\n")
    out.flush()


def _client_link(service_id: int) -> str:
    """A one-time sign-in link into the demo VM's client area, as a billing system's SSO hands it out."""
    from django.urls import reverse

    from proxvps.inventory.client_access import issue_login_link
    from proxvps.inventory.models import Service

    token, _expires = issue_login_link(Service.objects.get(pk=service_id))
    return reverse("client-sign-in", args=[token])


@contextmanager
def _worker(log: Path, stop: threading.Event) -> Iterator[None]:
    """The worker loop in a thread, writing its cron output to `log`, until the block ends."""
    from django.db import connection

    from proxvps.worker.cycle import Worker
    from proxvps.worker.output import CronOutput

    def serve() -> None:
        try:
            with log.open("a", encoding="utf-8") as stream:
                Worker(CronOutput(stream), stop=stop).serve(sleep=0.5)
        finally:
            connection.close()

    thread = threading.Thread(target=serve, name="proxvps-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def _wait_for_first_vm(service_id: int, stop: threading.Event, seconds: float = 300) -> tuple[str, str]:
    """("ready", "") once the demo VM runs, ("error", why) if its deploy stopped, ("stopped", "") if interrupted."""
    from proxvps.domain import states
    from proxvps.inventory.models import Service

    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        service = Service.objects.get(pk=service_id)
        if service.state == states.READY:
            return "ready", ""
        if service.state == states.ERROR:
            return "error", service.last_error
        stop.wait(0.5)
    return ("stopped", "") if stop.is_set() else ("error", "the first VM was not ready in time")


def _application(environ: dict[str, Any], start_response: Any) -> Any:
    """The WSGI app, imported on the first request: the web server binds its port before Django is set up."""
    from proxvps.wsgi import application

    return application(environ, start_response)


def _bind(host: str, port: int) -> Any:
    """The waitress server bound (and listening) on host:port before anything else starts, so port 0 gives a free
    port that is ours: the URLs printed and PROXVPS_PUBLIC_URL name it, and no other process can take it meanwhile.
    Connections wait in the backlog until _web_server runs it."""
    from waitress.server import create_server

    return create_server(_application, host=host, port=port, threads=4)


def _bound_port(server: Any) -> int:
    """The port the server got (a host naming several addresses gives several servers: the first one's)."""
    port = getattr(server, "effective_port", None)
    return int(port if port is not None else server.effective_listen[0][1])


@contextmanager
def _web_server(server: Any) -> Iterator[None]:
    """The bound server run in a thread, for as long as the block runs."""
    thread = threading.Thread(target=server.run, name="proxvps-web", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, stop: threading.Event | None = None) -> int:
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    host, _, port_text = args.listen.rpartition(":")
    if not host or not port_text.isdigit():
        _say(out, f"--listen must be HOST:PORT, not {args.listen!r}.")
        return 2
    try:
        web = _bind(host, int(port_text))
    except OSError as exc:
        _say(out, f"--listen {args.listen}: cannot listen there ({exc.strerror or exc}).")
        return 2
    listen = f"{host}:{_bound_port(web)}"
    os.environ["PROXVPS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    os.environ.setdefault("PROXVPS_PUBLIC_URL", f"http://{listen}")
    import django

    django.setup()
    from django.core.management import call_command

    from proxvps.demo_setup import prepare_demo
    from proxvps.sandbox.runner import RunningSandbox
    from proxvps.sandbox.seed import build_sandbox

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    stop = stop or threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)

    with RunningSandbox(build_sandbox(nodes=args.nodes, time_scale=args.time_scale)) as sandbox:
        base = f"http://{listen}"
        admin_password = secrets.token_urlsafe(12)
        demo = prepare_demo(sandbox.info, admin_password)
        _say(out, f"sandbox: {sandbox.info.url} nodes={args.nodes}")
        _say(out, demo.connection_line)
        for line in demo.node_lines:
            _say(out, line)
        worker_stop = threading.Event()
        with _web_server(web), _worker(Path(args.data_dir) / "worker.log", worker_stop):
            _say(out, f"admin: {base}/admin/ user={demo.admin_user} password={admin_password}")
            _say(out, f"api: {base}/api/v1/ token={demo.api_token}")
            outcome, why = _wait_for_first_vm(demo.first_service_id, stop)
            if outcome == "ready":
                _say(out, f"demo ready: {base}/admin/inventory/service/{demo.first_service_id}/change/")
                link = _client_link(demo.first_service_id)
                _say(out, f"client area: {base}{link} (one-time sign-in link, 2 minutes)")
            elif outcome == "error":
                _say(out, f"demo VM failed: {why}")
            stop.wait()
    _say(out, "demo stopped")
    return 0
