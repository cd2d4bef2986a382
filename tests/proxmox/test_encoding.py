"""Path segments are encoded exactly as the standard library encodes them: PVE must read back every volume id, CIDR,
description and SSH key the way it was meant."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from proxvps.proxmox.session import path

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
