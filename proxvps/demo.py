"""`proxvps demo`: the whole product on its embedded defaults, in one command.

It prepares an SQLite database in the data directory, starts a sandbox cluster, registers it with a plan and IP
pools, syncs its nodes and templates, serves the admin site and the REST API, and prints the lines a person (or a
script) needs to log in. It runs until interrupted and stops everything it started.

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="proxvps demo", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--data-dir", default=".proxvps", help="where the SQLite database lives (default ./.proxvps)")
    parser.add_argument(
        "--listen", default="127.0.0.1:8000", help="host:port of the web server (default 127.0.0.1:8000)"
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


@contextmanager
def _web_server(host: str, port: int) -> Iterator[None]:
    """The WSGI app served by waitress in a thread, for as long as the block runs."""
    from waitress.server import create_server

    from proxvps.wsgi import application

    server = create_server(application, host=host, port=port, threads=4)
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
    os.environ["PROXVPS_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    os.environ.setdefault("PROXVPS_PUBLIC_URL", f"http://{args.listen}")
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
        base = f"http://{args.listen}"
        admin_password = secrets.token_urlsafe(12)
        demo = prepare_demo(sandbox.info, admin_password)
        _say(out, f"sandbox: {sandbox.info.url} nodes={args.nodes}")
        _say(out, demo.connection_line)
        for line in demo.node_lines:
            _say(out, line)
        with _web_server(host, int(port_text)):
            _say(out, f"admin: {base}/admin/ user={demo.admin_user} password={admin_password}")
            _say(out, f"api: {base}/api/v1/ token={demo.api_token}")
            stop.wait()
    _say(out, "demo stopped")
    return 0
