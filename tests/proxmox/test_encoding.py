"""Paths and forms are encoded exactly as the standard library encodes them, fast path or not: PVE must read back
every volume id, CIDR, description and SSH key the way it was meant."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from proxvps.proxmox.session import _form, path

TEXTS = [
    "",
    "pve1",
    "local-lvm:vm-100-disk-0",
    "10.0.0.1/32",
    "2001:db8::1/128",
    "a b+c=d&e",
    "~tilde_and.dot-dash",
    "ssh-ed25519 AAAA/x+y== me@host\nssh-rsa BBB",
    "Grüße, 東京",
    "100%",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_path_segment_is_encoded_as_quote_encodes_it(text: str) -> None:
    assert path("nodes", text, 100) == f"/nodes/{quote(text, safe='')}/100"


def test_a_form_is_encoded_as_urlencode_encodes_it() -> None:
    values = {f"k{n} {text}": text for n, text in enumerate(TEXTS)}
    assert _form(values) == urlencode(values)
