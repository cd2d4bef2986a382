"""Deploy throughput: N orders deployed by one `proxvps worker` process against a 5-node sandbox at time-scale 0.

    python bench/deploy.py [--deploys 200] [--nodes 5]

The sandbox runs in this process; the worker is a separate process, so its CPU time (read from the kernel once it
exits) is the worker's alone; the line before the last says how much of it is start-up, which does not grow with N.
API requests are counted from the sandbox's request log. The last line reads
`deploys=N ready=N wall_s=X api_requests_per_deploy=Z cpu_ms_per_deploy=Y`: requests first, as they are what
loads a provider's cluster.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TIMEOUT_S = 600
PROFILED_WORKER = """
import cProfile, sys, time
from proxvps.cli import main
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(main, ["proxvps", "worker"])
finally:
    profile.dump_stats(sys.argv[1])
"""
"""The worker under cProfile timed by CPU (not wall) time: the figure the benchmark reports is CPU, and a wall-clock
profile would show the time spent waiting for the sandbox's answers as the worker's."""


def _setup(workdir: Path) -> None:
    os.environ["PROXVPS_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _shape(path: str) -> str:
    """A request path with its VMIDs, UPIDs and names folded, so requests of one kind count together."""
    parts = path.split("/")
    return "/".join("{x}" if part.isdigit() or part.startswith(("UPID:", "pve")) else part for part in parts)


def _start_up_cpu(env: dict[str, str]) -> float:
    """CPU seconds a worker process spends before its first pass (Django set up, the worker's modules imported),
    measured on `proxvps cron --list`, which starts the same way and then only reads the schedule: the part of the
    figure that does not grow with the number of deploys."""
    spent = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "-m", "proxvps.cli", "cron", "--list"], env=env, check=True, capture_output=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--deploys", type=int, default=200)
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument(
        "--profile", metavar="FILE", help="run the worker under cProfile (CPU time), writing its stats to FILE"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="proxvps-bench-"))
    _setup(workdir)

    from django.conf import settings

    from proxvps.demo_setup import register_server
    from proxvps.domain import states
    from proxvps.inventory.models import Plan, Service
    from proxvps.inventory.sync import sync_server
    from proxvps.ipam.models import Pool, PoolRange
    from proxvps.lifecycle.orders import order_service
    from proxvps.sandbox.runner import RunningSandbox
    from proxvps.sandbox.seed import build_sandbox

    with RunningSandbox(build_sandbox(nodes=args.nodes, time_scale=0)) as sandbox:
        sandbox.call(lambda pve: setattr(pve, "max_requests", 10**8))
        server = register_server(sandbox.info)
        sync_server(server)
        v4 = Pool.objects.create(server=server, name="v4", network="10.0.0.0/16", gateway="10.0.0.1", dns1="10.0.0.53")
        PoolRange.objects.create(pool=v4, first="10.0.1.0", last="10.0.255.254")
        v6 = Pool.objects.create(server=server, name="v6", network="2001:db8::/64", gateway="2001:db8::1")
        PoolRange.objects.create(pool=v6, first="2001:db8::100", last="2001:db8::ffff:ffff")
        plan = Plan.objects.create(
            name="bench",
            server_group=server.groups.get(),
            template=server.templates.get(vmid=9000),
            cpu_cores=2,
            ram_mb=2048,
            # 200 VMs of 10 + 5 GiB fit the sandbox's 5 x 800 GiB of local-lvm with room to spare.
            system_disk_gb=10,
            additional_disk_gb=5,
            system_disk_read_mbps=100,
            system_disk_write_mbps=100,
            network_mbps=50,
            ipv4_count=1,
            ipv6_count=1,
            firewall_enabled=True,
        )
        for n in range(args.deploys):
            order_service(billing_service_id=f"b{n}", client_ref=str(n), plan=plan)
        before = len(sandbox.pve.requests)
        env = {**os.environ, "PROXVPS_SECRET_KEY": settings.SECRET_KEY}
        start_up_s = _start_up_cpu(env)
        baseline = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        if args.profile:
            command = [sys.executable, "-c", PROFILED_WORKER, args.profile]
        else:
            command = [sys.executable, "-m", "proxvps.cli", "worker"]
        worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        deadline = started + TIMEOUT_S
        shown = started
        while time.perf_counter() < deadline:
            settled = Service.objects.filter(state__in=(states.READY, states.ERROR)).count()
            if settled >= args.deploys:
                break
            if time.perf_counter() - shown >= 10:
                shown = time.perf_counter()
                counts = Counter(Service.objects.values_list("state", flat=True))
                print(f"{shown - started:5.0f}s {dict(counts.most_common())}", flush=True)
            time.sleep(0.2)
        wall = time.perf_counter() - started
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker_s = usage.ru_utime + usage.ru_stime - baseline.ru_utime - baseline.ru_stime
        served = sandbox.pve.requests[before:]
        requests = len(served)
    ready = Service.objects.filter(state=states.READY).count()
    kinds = Counter(f"{method} {_shape(path)}" for method, path, _body in served)
    print("API requests per deploy, by kind:")
    for kind, number in kinds.most_common():
        print(f"  {number / max(args.deploys, 1):5.2f}  {kind}")
    cpu_ms = worker_s * 1000 / max(args.deploys, 1)
    print(f"worker exit code {worker.returncode}; CPU {worker_s:.2f} s; data in {workdir}")
    print(
        f"of which start-up (as `proxvps cron --list`, median of 3): {start_up_s * 1000:.0f} ms, "
        f"{start_up_s * 1000 / max(args.deploys, 1):.1f} ms per deploy"
    )
    print(
        f"deploys={args.deploys} ready={ready} wall_s={wall:.1f} "
        f"api_requests_per_deploy={requests / max(args.deploys, 1):.1f} cpu_ms_per_deploy={cpu_ms:.1f}"
    )
    return 0 if ready == args.deploys else 1


if __name__ == "__main__":
    sys.exit(main())
