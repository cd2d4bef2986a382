"""A server with services to hand addresses to."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from proxvps.inventory.models import Plan, Server, Service

ServiceFactory = Callable[..., Service]


@pytest.fixture
def server() -> Server:
    return Server.objects.create(
        name="pve", url="https://pve.example.com:8006", token_id="root@pam!proxvps", token_secret="unused"
    )


@pytest.fixture
def make_service(server: Server) -> ServiceFactory:
    """New services on `server` (or the one given), each its own billing service."""
    plan = Plan.objects.create(name="vps")
    numbers = itertools.count(1)

    def make(on: Server | None = None) -> Service:
        return Service.objects.create(
            billing_service_id=str(next(numbers)), client_ref="c1", plan=plan, server=on or server
        )

    return make
