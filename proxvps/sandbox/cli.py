"""`proxvps sandbox`: serve a seeded fake Proxmox VE cluster in the foreground until SIGINT or SIGTERM.

It prints how to reach it, one `key: value` line each: url, token (`<token id>=<secret>`, a sandbox
credential that exists only while the command runs), fingerprint and cafile.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable

from proxvps.sandbox.pve import SandboxPve
from proxvps.sandbox.runner import start_serving
from proxvps.sandbox.seed import build_sandbox

__all__ = ["main", "parse_listen"]


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` (an IPv6 host in brackets: `[::1]:8006`) as (host, port)."""
    host, colon, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def _at_least(minimum: float, kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse type: a number of that kind, at least minimum."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError("must be at least 0 and below 1")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="proxvps sandbox", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--nodes", type=_at_least(1, int), default=3, help="nodes pve1..pveN (default 3)")
    parser.add_argument(
        "--listen",
        type=parse_listen,
        default=("127.0.0.1", 8006),
        metavar="HOST:PORT",
        help="address to serve on (default 127.0.0.1:8006; port 0 picks a free one)",
    )
    parser.add_argument(
        "--time-scale",
        type=_at_least(0, float),
        default=1.0,
        help="real seconds per Proxmox second (default 1; 0 finishes tasks at once)",
    )
    parser.add_argument("--drop-rate", type=_fraction, default=0.0, help="share of requests dropped (default 0)")
    parser.add_argument(
        "--latency", type=_at_least(0, float), default=0.0, help="Proxmox seconds added to every answer"
    )
    return parser


async def _serve(pve: SandboxPve) -> int:
    workdir = tempfile.mkdtemp(prefix="proxvps-sandbox-")
    try:
        try:
            info = await start_serving(pve, workdir)
        except OSError as e:
            print(f"proxvps sandbox: cannot listen on {pve.host}:{pve.port}: {e.strerror or e}", file=sys.stderr)
            return 1
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        for line in (
            f"url: {info.url}",
            f"token: {info.token_id}={info.token_secret}",
            f"fingerprint: {info.fingerprint}",
            f"cafile: {info.cafile}",
        ):
            print(line, flush=True)
        await stop.wait()
        await pve.stop()
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    pve = build_sandbox(nodes=args.nodes, time_scale=args.time_scale, drop_rate=args.drop_rate, latency=args.latency)
    pve.host, pve.port = args.listen
    try:
        return asyncio.run(_serve(pve))
    except KeyboardInterrupt:  # before the signal handlers were in place
        return 130


if __name__ == "__main__":
    sys.exit(main())
