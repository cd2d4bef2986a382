"""The console ticket and the RRD statistics the graphs read."""

from __future__ import annotations

import pytest

from tests.proxmox import finished, fresh_vm


@pytest.fixture
def vmid(client):
    vmid = fresh_vm(client)
    finished(client, client.start("pve1", vmid))
    return vmid


def test_vncproxy_returns_a_websocket_ticket(client, vmid):
    ticket = client.vncproxy("pve1", vmid, generate_password=True)

    assert ticket.ticket.startswith("PVEVNC:")
    assert ticket.port > 0
    assert ticket.password
    assert ticket.user == client.settings.token_id


def test_rrddata_returns_points_over_time(client, vmid):
    points = client.rrddata("pve1", vmid, timeframe="hour", cf="AVERAGE")

    assert len(points) > 1
    assert [p.time for p in points] == sorted(p.time for p in points)
    assert any(p.cpu is not None and p.maxmem for p in points)
