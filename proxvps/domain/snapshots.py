"""Snapshot names as Proxmox VE accepts them, checked before anything is asked of Proxmox.

PVE's `pve-snapshot-name` is a `pve-configid` of at most 40 characters (a letter, then letters, digits, `_` or
`-`; two characters at least), and `current` and `pending` are reserved (pve-guest-common AbstractConfig:
`current` as is, `pending` in any case).
"""

from __future__ import annotations

import re

from proxvps.domain.transitions import N_

NAME_MAX = 40
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]+")


def snapshot_name_problem(name: str) -> str | None:
    """Why Proxmox would refuse `name` as a snapshot name (an N_-marked message with `%(name)s`), or None."""
    if len(name) > NAME_MAX:
        return N_("A snapshot name has at most 40 characters.")
    if not _NAME.fullmatch(name):
        return N_(
            'The snapshot name "%(name)s" is not valid: it must start with a letter and have at least two '
            "characters, all letters, digits, _ or -."
        )
    if name == "current" or name.lower() == "pending":
        return N_('The snapshot name "%(name)s" is reserved by Proxmox.')
    return None
