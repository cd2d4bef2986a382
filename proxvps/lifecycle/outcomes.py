"""What a step returns. A step never sleeps: it is done, it must wait (and says how long), or it failed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    """The step's change is made, or, `skipped`, it was not needed; `note` says why for the log and the cron output
    (`skip - no change`), translated: it is for people to read, never for code to test."""

    note: str = ""
    skipped: bool = False


def skip(note: str) -> Done:
    """Done without a change, and why (`skip - no change`, `skip - already running`)."""
    return Done(note, skipped=True)


@dataclass(frozen=True)
class Wait:
    """A Proxmox task or a condition is pending: the worker comes back after `after` seconds."""

    reason: str
    after: float = 1.0
    started: bool = False
    """True when this step just started a task: the action log records that, not every later look at it."""
    heartbeat: bool = False
    """True when a long wait is worth a line again (every 15 s of a shutdown window): the log and the cron output
    then show that the operation still waits, and how long it has waited."""

    @property
    def logged(self) -> bool:
        """Whether this look goes to the action log and the cron output (most looks do not)."""
        return self.started or self.heartbeat


@dataclass(frozen=True)
class Failed:
    """The step could not make its change. Retryable failures are tried again after `after` seconds from the same
    state; the others stop the operation in the error state until staff act."""

    message: str
    retryable: bool = True
    after: float | None = None
    """Seconds before the retry; None: the installation's PROXVPS_RETRY_SECONDS."""


Outcome = Done | Wait | Failed
