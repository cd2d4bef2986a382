"""Usage figures: RRD history and live counters."""

import itertools

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


def test_rrddata_is_the_same_on_every_call(sandbox, sandbox_api, running):
    sandbox.freeze_clock()  # no step boundary can pass between the two calls
    first = sandbox_api.get(f"{running}/rrddata", {"timeframe": "day"})

    assert sandbox_api.get(f"{running}/rrddata", {"timeframe": "day"}) == first


def test_rrddata_moves_on_by_a_step_when_the_clock_does(sandbox, sandbox_api, running):
    sandbox.freeze_clock()
    first = sandbox_api.get(f"{running}/rrddata", {"timeframe": "hour"})
    sandbox.advance_clock(60)

    second = sandbox_api.get(f"{running}/rrddata", {"timeframe": "hour"})

    assert second[-1]["time"] == first[-1]["time"] + 60
    assert second[:-1] == first[1:]


def test_network_counters_grow_while_the_vm_runs(sandbox, sandbox_api, running):
    sandbox.freeze_clock()
    before = sandbox_api.get(f"{running}/status/current")
    sandbox.advance_clock(10)
    after = sandbox_api.get(f"{running}/status/current")

    assert after["uptime"] == before["uptime"] + 10
    assert after["netin"] > before["netin"]
    assert after["netout"] > before["netout"]
    resource = next(r for r in sandbox_api.get("/cluster/resources", {"type": "vm"}) if r["vmid"] == 100)
    assert resource["netin"] >= after["netin"]
