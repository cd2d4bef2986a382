"""Stopping a worker cleanly: SIGTERM or SIGINT sets an event the passes check between items.

The service being run finishes its run (steps are short and never sleep), then the pass gives back its claims
and its task lock and the process exits. A second signal interrupts at once (KeyboardInterrupt); the `finally`
blocks still release what they hold.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first SIGTERM/SIGINT while the block runs; the previous handlers come back after."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield stop
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {number: signal.signal(number, handle) for number in SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
