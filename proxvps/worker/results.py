"""What one pass of a periodic task returns (SPEC S16: `{processed, errors, details}`).

Named PassResult so it is never confused with `proxvps.proxmox.TaskResult`, the result of a Proxmox task.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PassResult:
    """How many items a pass handled, how many of them failed, and one line per item worth telling."""

    processed: int = 0
    errors: int = 0
    details: list[str] = field(default_factory=list)
