"""Proxmox property strings: the `value,key=value,...` text of drives, NICs, `boot` and `ipconfig`.

Every disk and NIC change we make is "read the current string, change one or two options, write it back".
PVE 9 rejects any option its schema does not define, and it silently loses whatever we forget to write back
(an `iothread=1`, a template's `discard=on`, the NIC's MAC). So edits go through `PropertyString`, which keeps
every option it was not asked to change exactly as it was, in its original order, and refuses text PVE would
refuse instead of guessing what was meant.

The grammar is PVE's (`PVE::JSONSchema::parse_property_string`): parts separated by commas; a part is
`key=value` (the key runs to the first `=`, the value may contain more) or a bare value for the format's
default key; blank parts are ignored. There is no quoting, so no value can contain a comma.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

OptionValue = str | int | float | bool
"""What an option may be set to: booleans become PVE's `1`/`0`, numbers their plain decimal spelling."""

# Option names as PVE spells them: `iothread`, `mbps_rd`, `import-from`, `e1000-82540em`.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def render_option_value(value: OptionValue) -> str:
    """The text PVE expects for an option value.

    Floats are written in plain decimal (`12.5`, `100`, never `1e-05` or `100.0`) because PVE's number check
    and the people reading a VM config both expect that; NaN and infinity have no spelling PVE accepts.
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"option value must be a finite number, not {value!r}")
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return value
    raise TypeError(f"option value must be str, int, float or bool, not {type(value).__name__}")


def _check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise ValueError(f"invalid option name {key!r} in property string")


def _check_value(what: str, value: str) -> None:
    if not value:
        raise ValueError(f"empty {what} in property string")
    if "," in value or "\n" in value or "\r" in value:
        raise ValueError(f"{what} {value!r} must not contain a comma or a line break")


@dataclass(frozen=True)
class PropertyString:
    """A parsed property string: the bare value (a drive's volume, `boot`'s legacy letters) and the options.

    Immutable: every edit returns a new value, so a step can compare what it read with what it will write.
    """

    value: str | None = None
    """The bare (default-key) value, or None when the string has none (a NIC's `virtio=MAC,...`)."""
    options: tuple[tuple[str, str], ...] = ()
    """The `key=value` options in their original order."""

    def __post_init__(self) -> None:
        if self.value is not None:
            _check_value("bare value", self.value)
            if "=" in self.value:
                raise ValueError(f"bare value {self.value!r} must not contain '='")
        seen: set[str] = set()
        for key, text in self.options:
            _check_key(key)
            _check_value(f"value of {key!r}", text)
            if key in seen:
                raise ValueError(f"duplicate option {key!r} in property string")
            seen.add(key)

    @classmethod
    def parse(cls, text: str) -> PropertyString:
        """Parse `text` as PVE does; a ValueError names what is wrong.

        PVE accepts the bare value in any position; it is kept as `value` and rendered first, where PVE itself
        writes it.
        """
        if "\n" in text or "\r" in text:
            raise ValueError("property string must not contain a line break")
        value: str | None = None
        options: list[tuple[str, str]] = []
        for part in text.split(","):
            if not part.strip():
                continue
            key, eq, option_value = part.partition("=")
            if not eq:
                if value is not None:
                    raise ValueError(f"property string {text!r} has two values without a key")
                value = part
            elif not key or not option_value:
                raise ValueError(f"property string {text!r} has a part without key or value: {part!r}")
            else:
                options.append((key, option_value))
        return cls(value, tuple(options))

    @classmethod
    def of(cls, value: str | None = None, /, **options: OptionValue) -> PropertyString:
        """Build a new string, e.g. `PropertyString.of("local-lvm:20", format="raw", iothread=True)`."""
        return cls(value, tuple((key, render_option_value(v)) for key, v in options.items()))

    def render(self) -> str:
        """The text to send to PVE: the bare value first, then the options in order."""
        parts = [] if self.value is None else [self.value]
        parts.extend(f"{key}={text}" for key, text in self.options)
        return ",".join(parts)

    def __str__(self) -> str:
        return self.render()

    def get(self, key: str) -> str | None:
        """The raw text of option `key`, or None when it is not set."""
        for name, text in self.options:
            if name == key:
                return text
        return None

    def __contains__(self, key: object) -> bool:
        return any(name == key for name, _ in self.options)

    def with_options(self, **changes: OptionValue) -> PropertyString:
        """Set options: existing ones are replaced where they stand, new ones are appended in argument order.

        Options with names that are not Python identifiers are passed as `**{"import-from": ...}`.
        """
        rendered = {key: render_option_value(v) for key, v in changes.items()}
        options = [(key, rendered.pop(key, text)) for key, text in self.options]
        options.extend(rendered.items())
        return PropertyString(self.value, tuple(options))

    def without(self, *keys: str) -> PropertyString:
        """Remove options (absent ones are ignored: removing is idempotent)."""
        drop = set(keys)
        return PropertyString(self.value, tuple((key, text) for key, text in self.options if key not in drop))
