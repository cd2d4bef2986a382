"""The Django secret key of an installation that did not set one.

A newcomer's `make demo` must work with no configuration, yet the key signs sessions and derives the encryption
key for secrets at rest, so it cannot be a constant in the source: it is made once, kept in the data directory
with owner-only permissions, and read back on every start.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "secret_key"


def load_or_create_secret_key(data_dir: Path) -> str:
    """The key stored in data_dir, created on first use."""
    path = data_dir / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process made it first: use theirs.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(key)
    return key
