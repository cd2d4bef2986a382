"""The worker settings staff may change while proxvps runs (SPEC S18: settings): the retry delay of a failed step,
and how many times and for how long a migration is tried. Each defaults to its environment variable (read into
Django's settings); a value saved in the console (a Tunable row) wins over it, for every process at its next read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from proxvps.inventory.models import Tunable


@dataclass(frozen=True)
class Setting:
    name: str
    """The environment variable, and Django setting, it defaults to."""
    label: Promise
    help: Promise
    minimum: float
    maximum: float
    whole: bool = False


SETTINGS = (
    Setting(
        "PROXVPS_RETRY_SECONDS",
        _("Retry delay (s)"),
        _("How long a step that failed waits before the worker tries it again."),
        0,
        86400,
    ),
    Setting(
        "PROXVPS_MIGRATE_ATTEMPTS",
        _("Migration attempts"),
        _("How many times a deploy tries to migrate a new VM to its target node before it stays where it was cloned."),
        1,
        20,
        whole=True,
    ),
    Setting(
        "PROXVPS_MIGRATE_TIMEOUT_SECONDS",
        _("Migration timeout (s)"),
        _("How long one migration may run before it counts as failed."),
        10,
        86400,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


def default(name: str) -> float:
    return float(getattr(settings, name))


def value(name: str) -> float:
    """The setting now: staff's value, else the environment's."""
    if name not in BY_NAME:
        raise KeyError(name)
    saved = Tunable.objects.filter(name=name).values_list("value", flat=True).first()
    return float(saved) if saved is not None else default(name)


def save(name: str, new: float | None) -> None:
    """Keep staff's value (checked by the caller against the setting's bounds); None goes back to the default."""
    if new is None:
        Tunable.objects.filter(name=name).delete()
    else:
        Tunable.objects.update_or_create(name=name, defaults={"value": new})
