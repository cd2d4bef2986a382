"""The steps the transition tables name, registered by name where they are written.

A transition names its step (`"resize_system_disk"`); the function that makes it says so with `@step(name)` in
its own module, so adding a step touches the transition table and that module only. The modules of this package
are imported the first time a step is looked up, as Django's admin discovers `admin.py` modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from proxvps.lifecycle.context import StepContext
    from proxvps.lifecycle.outcomes import Outcome

Step = Callable[["StepContext"], "Outcome"]

_registry: dict[str, Step] = {}


def step(name: str) -> Callable[[Step], Step]:
    """Register the decorated function as the step `name`."""

    def register(function: Step) -> Step:
        if _registry.get(name, function) is not function:
            raise ValueError(f"two functions are registered as the step {name!r}")
        _registry[name] = function
        return function

    return register


@cache
def _discover() -> None:
    """Import every module of the package once, so that each registers its steps."""
    package = importlib.import_module("proxvps.lifecycle")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"proxvps.lifecycle.{module.name}")


def find(name: str) -> Step:
    """The step registered as `name`; KeyError when none is."""
    _discover()
    return _registry[name]


def registered() -> dict[str, Step]:
    """Every registered step by name."""
    _discover()
    return dict(_registry)
