"""Usage figures: RRD history and live counters."""

import itertools
import time

import pytest


@pytest.fixture
def running(sandbox_api):
    """VM 100 on pve1, a clone of template 9000, started."""
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    sandbox_api.task("POST", "/nodes/pve1/qemu/100/status/start")
    return "/nodes/pve1/qemu/100"


def test_rrddata_returns_points_of_a_running_vm(sandbox_api, running):
    points = sandbox_api.get(f"{running}/rrddata", {"timeframe": "hour", "cf": "AVERAGE"})

    assert len(points) == 70
    assert [b["time"] - a["time"] for a, b in itertools.pairwise(points)] == [60] * 69
    assert all(0 < p["cpu"] <= 1 and p["netin"] > 0 and p["maxmem"] == 2048 * 1024**2 for p in points)


def test_rrddata_is_the_same_on_every_call(sandbox_api, running):
    first = sandbox_api.get(f"{running}/rrddata", {"timeframe": "day"})

    assert sandbox_api.get(f"{running}/rrddata", {"timeframe": "day"})[:-1] == first[:-1]


def test_network_counters_grow_while_the_vm_runs(sandbox_api, running):
    before = sandbox_api.get(f"{running}/status/current")
    time.sleep(0.05)
    after = sandbox_api.get(f"{running}/status/current")

    assert after["netin"] > before["netin"]
    assert after["netout"] > before["netout"]
    resource = next(r for r in sandbox_api.get("/cluster/resources", {"type": "vm"}) if r["vmid"] == 100)
    assert resource["netin"] >= after["netin"]
