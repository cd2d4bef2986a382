"""The services list across all servers: a fixed number of queries whatever the page size, filters remembered per
staff member, text search over ids, names, clients and addresses, and bulk actions that ask first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.services_list import PAGE_SIZES, make_fleet
from proxvps.domain import states
from proxvps.inventory.models import ActionLog, Service
from tests.web.staff.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_first_page_of_5000_services_takes_under_60_queries_whatever_the_page_size(
    administrator: Client,
) -> None:
    make_fleet(5000)
    administrator.get("/staff/services/", {"per_page": 25})  # the first visit also saves the member's filters
    counts = {}
    for size in PAGE_SIZES:
        with CaptureQueriesContext(connection) as captured:
            response = administrator.get("/staff/services/", {"per_page": size})
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count('data-service="fleet-') == size
        # Newest first: the last service made, with its address and that address's PTR name.
        assert (
            '<span class="text-mono">10.0.20.135</span><div class="ptr text-body-secondary text-break">vps4999' in page
        )
        counts[size] = len(captured)
    assert max(counts.values()) < 60, counts
    assert len(set(counts.values())) == 1, f"the count grows with the page size: {counts}"


def test_filters_are_remembered_per_staff_member(administrator: Client) -> None:
    make_fleet(30)
    first = administrator.get("/staff/services/", {"state": states.ERROR, "per_page": "25"})
    assert first.content.decode().count('data-service="fleet-') == 3

    again = administrator.get("/staff/services/")
    assert again.status_code == 302
    assert again["Location"] == "/staff/services/?state=error&per_page=25"

    other = signed_in("olga", "Operator")
    assert other.get("/staff/services/").status_code == 200  # her own (none): not the administrator's
    cleared = administrator.get("/staff/services/", {"clear": 1})
    assert cleared.content.decode().count('data-service="fleet-') == 30


@pytest.mark.parametrize(
    ("text", "found"),
    [("10.0.1.7", ["fleet-7"]), ("vps12.example", ["fleet-12"]), ("client12@", ["fleet-12"]), ("nothing", [])],
    ids=["address", "hostname", "client-email", "no-match"],
)
def test_text_search_finds_a_service_by_address_hostname_or_client(
    administrator: Client, text: str, found: list[str]
) -> None:
    make_fleet(20)
    page = administrator.get("/staff/services/", {"q": text}).content.decode()
    shown = sorted(sid for sid in (f"fleet-{n}" for n in range(20)) if f'data-service="{sid}"' in page)
    assert shown == found


def test_a_bulk_action_asks_first_then_runs_on_each_service_saying_what_it_refused(operator: Client) -> None:
    make_fleet(3)
    failing, ready = (
        Service.objects.get(billing_service_id="fleet-0"),
        Service.objects.get(billing_service_id="fleet-1"),
    )
    data = {"action": "retry", "ids": [failing.pk, ready.pk]}

    asked = operator.post("/staff/services/bulk/", data)
    assert asked.status_code == 200
    assert "The step that failed runs again now" in asked.content.decode()
    assert ActionLog.objects.count() == 0

    done = operator.post("/staff/services/bulk/", {**data, "confirm": "yes"}, follow=True)
    text = done.content.decode()
    assert "fleet-1: Service fleet-1 is Ready: there is no failed step to retry." in text
    failing.refresh_from_db()
    assert failing.state == states.ERROR  # no failed step in its (empty) log: refused with the reason
    assert "fleet-0: The log of service fleet-0 names no failed step to retry" in text
