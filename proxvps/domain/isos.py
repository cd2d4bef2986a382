"""ISO images grouped for the client's choice (SPEC S10).

The seed groups a storage's ISO images by the part of the file name before the first `-`
(`Debian-12.5.0-amd64-netinst.iso` is in `Debian`); a name without a dash, or one that starts with it, has no such
part and goes to `OTHER`. Groups keep the spelling of the names (`Debian` and `debian` are two groups, as in the
seed), are listed alphabetically with `OTHER` last, and hold their images in alphabetical order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, TypeVar

OTHER: Final = "OTHER"
"""The group of the images whose name has no text before a `-`."""

T = TypeVar("T")


def file_name(volid: str) -> str:
    """The file name of an ISO volume id: `local:iso/Debian-12.iso` -> `Debian-12.iso` (a bare name stays)."""
    return volid.rpartition(":")[2].rpartition("/")[2]


def iso_group(name: str) -> str:
    """The group of an ISO image by its file name (or volume id): the text before the first `-`, else OTHER."""
    prefix, dash, _rest = file_name(name).partition("-")
    return prefix if dash and prefix.strip() else OTHER


def _alphabetical(text: str) -> tuple[str, str]:
    return (text.casefold(), text)


def group_isos(items: Iterable[T], name: Callable[[T], str]) -> dict[str, list[T]]:
    """`items` by the group of `name(item)`: groups alphabetically with OTHER last, items alphabetically by name."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(iso_group(name(item)), []).append(item)
    ordered = sorted(groups, key=lambda group: (group == OTHER, *_alphabetical(group)))
    return {group: sorted(groups[group], key=lambda item: _alphabetical(file_name(name(item)))) for group in ordered}
