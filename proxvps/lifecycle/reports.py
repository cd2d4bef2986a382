"""What a run of a service's state machine reports, step by step, to whoever is watching (the cron output).

The worker prints these as they arrive, so a person watching `proxvps cron` sees each step the moment it ends;
the same facts go to the action log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

StepResultKind = Literal["success", "skipped", "waiting", "error"]
RunOutcome = Literal["complete", "paused", "waiting", "failed", "idle"]


@dataclass(frozen=True)
class RunHeader:
    """Printed before the first step: `--- Deploy: service=<sid> vm=<vmid> status=<state> ---`."""

    service_id: int
    billing_service_id: str
    vmid: int | None
    operation: str
    """deploy, change_package, ...: names the header (`Deploy`, `ChangePackage`)."""
    state: str


@dataclass(frozen=True)
class StepReport:
    """One step: `[+] 1. Migrate to target node   success (clone -> migrated) [30.23s]` (the listener numbers the
    steps of its block)."""

    label: str
    note: str
    """Shown after the label in parentheses, such as `skip - no change`; empty when there is nothing to say."""
    result: StepResultKind
    message: str
    """The error or wait reason for `error` and `waiting`; empty otherwise."""
    from_state: str
    to_state: str
    duration: float


@dataclass(frozen=True)
class RunReport:
    """How the run ended: complete (reached its final state), paused (a step failed and will be retried), waiting
    (a Proxmox task or condition is pending), failed (needs staff: no automatic retry) or idle (nothing to do)."""

    service_id: int
    billing_service_id: str
    operation: str
    outcome: RunOutcome
    state: str
    message: str
    after: float = 0.0
    """For a waiting run: seconds until its service should be run again."""


class RunListener(Protocol):
    """Receives a run's events as they happen."""

    def started(self, header: RunHeader) -> None: ...

    def step(self, report: StepReport) -> None: ...

    def finished(self, report: RunReport) -> None: ...
