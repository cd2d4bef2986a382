"""Nodes with their own RAM and CPU: what placement reads to pick a target node.

A node's `maxmem` is its RAM (64 GiB unless set with set_node_memory); `mem` is what the host itself
uses plus the memory of the guests running on it, so starting a VM on a node takes RAM from it.
GET /nodes, /cluster/resources and GET /nodes/{node}/status show the same figures. An offline node
has none: PVE lists it `offline`, its guests `unknown` and its storages `unknown`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from proxvps.sandbox.base import GIB, PveBase

__all__ = ["NODE_BASE_MEM", "NODE_CPUS", "NODE_MAXMEM", "NodeResources"]

NODE_MAXMEM = 64 * GIB
# What the host uses before any guest runs (PVE services, page cache it cannot give back).
NODE_BASE_MEM = 3 * GIB
NODE_CORES = 8
NODE_CPUS = 16
NODE_SWAP = 8 * GIB
NODE_ROOTFS = 96 * GIB
NODE_ROOTFS_USED = 9 * GIB
# How long the nodes have been up when the sandbox starts.
BOOTED_BEFORE = 3 * 86400
CPU_MODEL = "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz"
CPU_FLAGS = (
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht "
    "syscall nx lm constant_tsc pni ssse3 cx16 sse4_1 sse4_2 x2apic popcnt aes xsave avx avx2 vmx"
)
KERNEL_RELEASE = "6.14.8-2-pve"
KERNEL_VERSION = "#1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z)"


class NodeResources(PveBase):
    """Mixin: per-node memory and CPU figures in the node views."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.booted_at = time.time() - BOOTED_BEFORE

    def _routes_sandbox_nodes(self) -> list[tuple[str, str, Any]]:
        return [("GET", "/nodes/{node}/status", self._sb_node_status)]

    def set_node_memory(self, node: str, maxmem: int) -> None:
        """Give a node maxmem bytes of RAM."""
        self.nodes.setdefault(node, {"online": True})["maxmem"] = maxmem

    def node_memory(self, node: str) -> tuple[int, int]:
        """(used, total) bytes of the node's RAM: the host's share plus its running guests'."""
        total = int(self.nodes[node].get("maxmem", NODE_MAXMEM))
        used = NODE_BASE_MEM
        used += sum(int(self._vm_usage(vm)["maxmem"]) for vm in self.vms if vm.node == node and vm.status == "running")
        used += sum(int(self._maxmem(ct)) for ct in self.cts if ct.node == node and ct.status == "running")
        return min(used, total), total

    def _sb_node_cpu(self, node: str) -> float:
        busy = sum(
            float(use["cpu"]) * int(use["maxcpu"])
            for use in (self._vm_usage(vm) for vm in self.vms if vm.node == node and vm.status == "running")
        )
        return round(min(0.01 + busy / NODE_CPUS, 1.0), 4)

    def _sb_node_figures(self, node: str) -> dict[str, Any]:
        """The usage fields of an online node in GET /nodes and /cluster/resources."""
        used, total = self.node_memory(node)
        return {
            "cpu": self._sb_node_cpu(node),
            "maxcpu": NODE_CPUS,
            "mem": used,
            "maxmem": total,
            "disk": NODE_ROOTFS_USED,
            "maxdisk": NODE_ROOTFS,
            "uptime": int(self.now() - self.booted_at),
        }

    def _sb_rewrite(self, response: web.Response, fix: Callable[[Any], None]) -> web.Response:
        """fakepve builds these answers in one piece: change the `data` of the JSON it made."""
        body = json.loads(response.text or "{}")
        if response.status == 200:
            fix(body.get("data"))
        return web.json_response(body, status=response.status)

    def _sb_fix_nodes(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("type") == "node" and item.get("status") == "online":
                item.update(self._sb_node_figures(item["node"]))

    async def _nodes(self, request: web.Request) -> web.Response:
        return self._sb_rewrite(await super()._nodes(request), self._sb_fix_nodes)

    async def _resources(self, request: web.Request) -> web.Response:
        return self._sb_rewrite(await super()._resources(request), self._sb_fix_nodes)

    async def _sb_node_status(self, v: dict[str, Any], user: str) -> dict[str, Any]:
        node = v["node"]
        used, total = self.node_memory(node)
        load = f"{self._sb_node_cpu(node) * NODE_CPUS:.2f}"
        data = {
            "cpu": self._sb_node_cpu(node),
            "wait": 0.0,
            "idle": 0,
            "cpuinfo": {
                "model": CPU_MODEL,
                "cores": NODE_CORES,
                "cpus": NODE_CPUS,
                "sockets": 1,
                "mhz": "2400.000",
                "hvm": "1",
                "user_hz": 100,
                "flags": CPU_FLAGS,
            },
            "memory": {"total": total, "used": used, "free": total - used, "available": total - used},
            "swap": {"total": NODE_SWAP, "used": 0, "free": NODE_SWAP},
            "rootfs": {
                "total": NODE_ROOTFS,
                "used": NODE_ROOTFS_USED,
                "free": NODE_ROOTFS - NODE_ROOTFS_USED,
                "avail": NODE_ROOTFS - NODE_ROOTFS_USED,
            },
            "ksm": {"shared": 0},
            "uptime": int(self.now() - self.booted_at),
            "loadavg": [load, load, load],
            "kversion": f"Linux {KERNEL_RELEASE} {KERNEL_VERSION}",
            "pveversion": f"pve-manager/{self.version}/0123456789abcdef",
            "current-kernel": {
                "sysname": "Linux",
                "release": KERNEL_RELEASE,
                "version": KERNEL_VERSION,
                "machine": "x86_64",
            },
            "boot-info": {"mode": "efi", "secureboot": 0},
        }
        completed: dict[str, Any] = self._complete("/nodes/{node}/status", data, node=node)
        return completed
