"""Who a worker process is: the name it writes into service leases and task locks, and whether a name's process
is still alive.

The name is `hostname:pid:random`. The host and pid let a worker on the same machine see that a lock's holder
died (its pid is gone) without waiting for the stale timeout; the random part keeps two processes that reuse a
pid, or two passes of one process, apart.
"""

from __future__ import annotations

import os
import secrets
import socket

# Service.lease_owner and TaskSchedule.holder hold 100 characters: the hostname gets what the rest leaves.
HOSTNAME_MAX = 80


def new_owner() -> str:
    """A fresh name for this process: `hostname:pid:random`."""
    return f"{socket.gethostname()[:HOSTNAME_MAX]}:{os.getpid()}:{secrets.token_hex(4)}"


def is_dead_here(owner: str) -> bool:
    """True when `owner` names a process on this host that no longer exists. A name from another host, or one
    that does not parse, is never called dead: only its heartbeat can tell."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname()[:HOSTNAME_MAX] or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, but another user's
        return False
    return False
