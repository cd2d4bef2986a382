"""A service's hostname and Proxmox VM name, from the plan's template (`{prefix}-{client_id}-{service_id}`).

The hostname goes into cloud-init, DNS records and the VM's `name`, so it must be a valid RFC 1123 name
everywhere. A template or a value that would break that is refused with a message saying what is wrong: a
silently "fixed" name (an `_` turned into `-`) would differ from what the admin expects to find in DNS and
could collide with another service's name.
"""

from __future__ import annotations

import re
import string
from typing import Final

PLACEHOLDERS: Final = ("prefix", "client_id", "service_id", "domain")
"""The only names a hostname template may use."""

DEFAULT_TEMPLATE: Final = "{prefix}-{client_id}-{service_id}"

MAX_HOSTNAME: Final = 253
MAX_LABEL: Final = 63

# RFC 1123 label: letters, digits and hyphens, no hyphen at either end. PVE's `dns-name` format, which the
# qemu `name` parameter uses, has the same label grammar (and no length limit of its own).
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?")
_ALLOWED = frozenset(string.ascii_letters + string.digits + "-.")


def _check_placeholders(template: str) -> set[str]:
    """The placeholders `template` uses; ValueError naming any other field, conversion or format spec."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"hostname template {template!r} is malformed: {error}") from None
    used: set[str] = set()
    for _, field, format_spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            raise ValueError(f"hostname template uses {{{field}}}; only {allowed} are allowed")
        if format_spec or conversion:
            raise ValueError(f"hostname template must write {{{field}}} plainly, without a format or conversion")
        used.add(field)
    return used


def check_hostname(name: str) -> None:
    """ValueError saying what is wrong unless `name` is a valid RFC 1123 hostname (labels 1-63 characters of
    letters, digits and hyphens, no hyphen at either end, 253 characters in all)."""
    bad = sorted(set(name) - _ALLOWED)
    if bad:
        shown = " ".join(repr(char) for char in bad)
        raise ValueError(f"hostname {name!r} has characters a hostname cannot hold: {shown}")
    if not name:
        raise ValueError("hostname is empty")
    if len(name) > MAX_HOSTNAME:
        raise ValueError(f"hostname {name!r} is {len(name)} characters long; at most {MAX_HOSTNAME} are allowed")
    for label in name.split("."):
        if not label:
            raise ValueError(f"hostname {name!r} has an empty label (a leading, trailing or doubled dot)")
        if len(label) > MAX_LABEL:
            raise ValueError(f"hostname label {label!r} is {len(label)} characters long; at most {MAX_LABEL}")
        if not _LABEL.fullmatch(label):
            raise ValueError(f"hostname label {label!r} must not start or end with a hyphen")


def render_hostname(template: str, *, prefix: str, client_id: str, service_id: str, domain: str | None = None) -> str:
    """The lower-case hostname `template` gives for this service; ValueError when the template or the result
    is not acceptable."""
    used = _check_placeholders(template)
    if "domain" in used and not domain:
        raise ValueError("hostname template uses {domain} but the service has no domain")
    name = template.format(prefix=prefix, client_id=client_id, service_id=service_id, domain=domain)
    check_hostname(name)
    return name.lower()


def vm_name(hostname: str) -> str:
    """The Proxmox VM `name` for a service: its hostname, so the admin finds the VM by the name DNS shows.

    PVE's `dns-name` format takes any such name (it sets no length limit); it is checked here again because
    a hostname may come from the database, written before these rules or by hand.
    """
    check_hostname(hostname)
    return hostname.lower()
