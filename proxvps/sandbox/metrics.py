"""Usage figures of VMs: live counters in status/current and /cluster/resources, and RRD history.

Every running VM gets its own steady rates (CPU share, memory share, network and disk bytes per
second) derived from its VMID, so figures are plausible, differ between VMs and come out the same on
every run. The counters (netin, netout, diskread, diskwrite) are bytes since the VM started, as PVE
shows them, so they grow while it runs; rrddata gives rates per second, as PVE's RRD files do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from proxvps.sandbox.base import PveBase

__all__ = ["RRD_POINTS", "RRD_STEPS", "Metrics", "VmRates"]

# PVE's RRD resolution per timeframe (seconds per point); every answer has 70 points.
RRD_STEPS = {"hour": 60, "day": 1800, "week": 10800, "month": 43200, "year": 604800}
RRD_POINTS = 70
COUNTERS = ("netin", "netout", "diskread", "diskwrite")
SAMPLED = ("cpu", "mem", *COUNTERS)


@dataclass(frozen=True)
class VmRates:
    """A running VM's steady usage: CPU and memory as shares, the rest in bytes per second."""

    cpu: float
    mem: float
    netin: float
    netout: float
    diskread: float
    diskwrite: float

    @classmethod
    def of(cls, vmid: int) -> VmRates:
        rnd = random.Random(vmid)
        return cls(
            cpu=round(rnd.uniform(0.01, 0.25), 4),
            mem=round(rnd.uniform(0.25, 0.7), 4),
            netin=rnd.uniform(5e3, 2e5),
            netout=rnd.uniform(2e3, 1e5),
            diskread=rnd.uniform(1e4, 5e5),
            diskwrite=rnd.uniform(1e4, 3e5),
        )

    def sample(self, seed: str, peak: float) -> dict[str, float]:
        """The rates with a wobble that is the same for the same seed (a VM and a time)."""
        wobble = random.Random(seed)
        return {key: getattr(self, key) * wobble.uniform(0.6, 1.4) * peak for key in SAMPLED}


class Metrics(PveBase):
    """Mixin: counters that grow while a VM runs, and GET /nodes/{node}/qemu/{vmid}/rrddata."""

    def _routes_sandbox_metrics(self) -> list[tuple[str, str, Any]]:
        return [("GET", "/nodes/{node}/qemu/{vmid}/rrddata", self._sb_rrddata)]

    def _vm_usage(self, vm: Any) -> dict[str, Any]:
        """fakepve's usage fields with this VM's figures; those set in vm.stats still win."""
        data: dict[str, Any] = super()._vm_usage(vm)
        if vm.status != "running" or not vm.started_at:
            return data
        rates = VmRates.of(vm.vmid)
        secs = max(self.now() - vm.started_at, 0.0)
        mine: dict[str, float] = {key: int(getattr(rates, key) * secs) for key in COUNTERS}
        mine.update(cpu=rates.cpu, mem=int(data["maxmem"] * rates.mem))
        mine["memhost"] = mine["mem"]
        mine["uptime"] = int(secs)
        data.update((key, value) for key, value in mine.items() if key not in vm.stats)
        return data

    async def _sb_rrddata(self, v: dict[str, Any], user: str) -> list[dict[str, Any]]:
        vm = self.find(v["node"], v["vmid"])
        step = RRD_STEPS[v["timeframe"]]
        peak = 1.25 if v.get("cf") == "MAX" else 1.0
        usage = self._vm_usage(vm)
        running = vm.status == "running"
        rates = VmRates.of(vm.vmid)
        last = int(self.now()) // step * step
        points = []
        for n in range(RRD_POINTS):
            at = last - (RRD_POINTS - 1 - n) * step
            point: dict[str, Any] = {
                "time": at,
                "maxcpu": usage["maxcpu"],
                "maxmem": usage["maxmem"],
                "maxdisk": usage["maxdisk"],
                "disk": 0,
            }
            sample = rates.sample(f"{vm.vmid}:{at}", peak) if running else dict.fromkeys(SAMPLED, 0.0)
            point.update(
                cpu=min(sample["cpu"], 1.0),
                mem=int(usage["maxmem"] * min(sample["mem"], 1.0)),
                **{key: sample[key] for key in COUNTERS},
            )
            points.append(point)
        return points
