"""Fixtures of the adapter tests: a client on the sandbox, and a fresh VM to act on."""

from __future__ import annotations

import pytest

from tests.proxmox import fresh_vm, open_client


@pytest.fixture
def client(sandbox):
    with open_client(sandbox) as client:
        yield client


@pytest.fixture
def vmid(client):
    return fresh_vm(client)
