"""The billing endpoints: orders keyed by the billing system's service id, idempotent, refused whole with a clear
answer when wrong; reading, changing and renewing a service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proxvps.domain import states
from proxvps.inventory.choices import StepResult
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import ActionLog, OperationRequest, Plan, Server, Service
from tests.api.conftest import Api, order_body
from tests.lifecycle.conftest import drive

pytestmark = pytest.mark.django_db


def test_an_order_answers_at_once_with_the_new_service(billing: Api, small_plan: Plan) -> None:
    status, body = billing.post("/api/v1/billing/services", order_body(hostname="web1.example.com"))
    assert status == 201, body
    assert body["service_id"] == "1001"
    assert body["client_id"] == "42"
    assert body["state"] == states.NEW
    assert body["busy"] is True
    assert body["hostname"] == "web1.example.com"
    assert body["resources"]["ram_mb"] == 1024
    assert "password" not in body
    service = Service.objects.get(billing_service_id="1001")
    assert (service.client_email, service.client_name) == ("ann@example.com", "Ann Lee")


def test_ids_sent_as_json_numbers_are_taken_as_their_digits(billing: Api, small_plan: Plan) -> None:
    """WHMCS and most billing systems hold ids as numbers and send them so."""
    body = {**order_body(), "service_id": 9001, "client": {"id": 501, "email": "ann@example.com"}}
    status, answer = billing.post("/api/v1/billing/services", body)
    assert status == 201, answer
    assert (answer["service_id"], answer["client_id"]) == ("9001", "501")
    assert Service.objects.get(billing_service_id="9001").client_ref == "501"
    again = billing.post("/api/v1/billing/services", {**body, "service_id": "9001"})
    assert again[0] == 200, "the number and its digits are one id"


def test_ordering_the_same_service_id_twice_makes_one_service(billing: Api, small_plan: Plan) -> None:
    first = billing.post("/api/v1/billing/services", order_body())
    again = billing.post("/api/v1/billing/services", order_body(options={"RAM": 4096}))
    assert (first[0], again[0]) == (201, 200)
    assert again[1]["resources"]["ram_mb"] == 1024
    assert Service.objects.filter(billing_service_id="1001").count() == 1


def test_the_same_service_id_for_another_client_is_a_conflict(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    status, body = billing.post("/api/v1/billing/services", order_body(client_id="43"))
    assert status == 409
    assert body["fields"] == {"service_id": "Already used by another client."}
    assert Service.objects.get(billing_service_id="1001").client_ref == "42"


def test_an_order_for_an_unknown_plan_is_refused_and_creates_nothing(billing: Api, small_plan: Plan) -> None:
    status, body = billing.post("/api/v1/billing/services", order_body(plan_name="VPS XXL"))
    assert status == 422
    assert body["error"] == "invalid"
    assert body["detail"] == "There is no plan named VPS XXL."
    assert set(body["fields"]) == {"plan"}
    assert not Service.objects.exists()


def test_a_bad_option_is_refused_naming_the_option_and_creates_nothing(billing: Api, small_plan: Plan) -> None:
    status, body = billing.post("/api/v1/billing/services", order_body(options={"RAM": "lots", "CPU|Cores": 2}))
    assert status == 422
    assert list(body["fields"]) == ["options.RAM"]
    assert "RAM" in body["detail"]
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_id": "12/34"}, "service_id"),
        ({"service_id": ""}, "service_id"),
        ({"service_id": -5}, "service_id"),
        ({"service_id": 1.5}, "service_id"),
        ({"service_id": True}, "service_id"),
        ({"client": {"id": "42", "email": "not an address"}}, "client.email"),
        ({"password": "a\nb"}, "password"),
    ],
)
def test_a_malformed_order_is_refused_naming_the_field(billing: Api, small_plan: Plan, change, field) -> None:
    status, body = billing.post("/api/v1/billing/services", {**order_body(), **change})
    assert status == 422, body
    assert field in body["fields"]
    assert not Service.objects.exists()


def test_a_body_that_is_not_json_answers_400_in_the_error_shape(billing: Api) -> None:
    response = billing.client.post(
        "/api/v1/billing/services", data="{not json", content_type="application/json", headers=billing.headers
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_a_nul_character_is_refused_before_it_reaches_the_database(billing: Api, small_plan: Plan) -> None:
    status, _body = billing.post("/api/v1/billing/services", order_body(hostname="web\u0000"))
    assert status == 400
    assert not Service.objects.exists()


def test_an_unknown_service_answers_404_in_the_error_shape(billing: Api) -> None:
    status, body = billing.get("/api/v1/billing/services/999")
    assert status == 404
    assert body == {"error": "not_found", "detail": "There is no service 999.", "fields": {}}


def test_an_address_no_route_matches_answers_404_in_the_error_shape(billing: Api) -> None:
    status, body = billing.get("/api/v1/billing/nothing/here")
    assert status == 404
    assert body["error"] == "not_found"


def test_services_are_listed_and_narrowed_to_a_client(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body("1", "42"))
    billing.post("/api/v1/billing/services", order_body("2", "43"))
    _status, every = billing.get("/api/v1/billing/services")
    _status, mine = billing.get("/api/v1/billing/services", client_id="43")
    assert sorted(s["service_id"] for s in every) == ["1", "2"]
    assert [s["service_id"] for s in mine] == ["2"]


def test_a_change_of_package_while_the_service_is_being_built_waits_its_turn(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    status, body = billing.patch("/api/v1/billing/services/1001", {"options": {"RAM": 2048}})
    assert status == 200
    assert body["state"] == states.NEW
    service = Service.objects.get()
    assert (service.state, service.options) == (states.NEW, {})
    waiting = OperationRequest.objects.get(service=service, operation="change_package")
    assert (waiting.operation, waiting.status, waiting.fields["options"]) == (
        "change_package",
        "pending",
        {"RAM": 2048},
    )


def test_a_change_of_package_of_a_terminated_service_is_a_conflict(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    Service.objects.update(state=states.REMOVE)
    status, body = billing.patch("/api/v1/billing/services/1001", {"options": {"RAM": 2048}})
    assert status == 409
    assert body["error"] == "conflict"
    assert not OperationRequest.objects.filter(operation="change_package").exists()


def test_a_change_of_package_with_nothing_to_change_is_refused(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    status, _body = billing.patch("/api/v1/billing/services/1001", {})
    assert status == 422


def test_a_change_of_package_upgrades_the_vm(billing: Api, cluster: Server, plan: Plan, settings) -> None:
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01
    billing.post("/api/v1/billing/services", order_body(plan_name=plan.name))
    service = Service.objects.get()
    drive(service)
    assert service.state == states.READY

    status, body = billing.patch("/api/v1/billing/services/1001", {"options": {"CPU Cores": 4, "RAM|Memory": 4096}})
    assert status == 200, body
    assert body["state"] == states.CHANGE_PACKAGE
    assert (body["resources"]["cpu_cores"], body["resources"]["ram_mb"]) == (4, 4096)
    drive(service)
    assert service.state == states.READY
    with client_for(cluster) as client:
        config = client.vm_config(service.node, service.vmid or 0)
    assert (config["cores"], config["memory"]) == ("4", "4096")
    _status, read = billing.get("/api/v1/billing/services/1001")
    assert read["vmid"] == service.vmid
    assert read["node"] == service.node
    assert len(read["ipv4"]) == 1
    assert len(read["ipv6"]) == 1


def test_a_change_to_an_unknown_plan_changes_nothing(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    Service.objects.update(state=states.READY)
    status, _body = billing.patch("/api/v1/billing/services/1001", {"plan": "Nope"})
    assert status == 422
    assert Service.objects.get().state == states.READY


def test_a_renewal_is_logged_and_changes_nothing_else(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    Service.objects.update(state=states.SUSPENDED)
    status, body = billing.post("/api/v1/billing/services/1001/renew")
    assert status == 200
    assert body["state"] == states.SUSPENDED
    entry = ActionLog.objects.get(operation="renew")
    assert (entry.from_state, entry.to_state, entry.result) == (states.SUSPENDED, states.SUSPENDED, StepResult.SUCCESS)


def test_a_terminated_service_cannot_be_renewed(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    Service.objects.update(state=states.REMOVE)
    status, _body = billing.post("/api/v1/billing/services/1001/renew")
    assert status == 409
    assert not ActionLog.objects.filter(operation="renew").exists()


def test_plans_and_templates_are_offered_for_the_product_setup(billing: Api, cluster: Server, plan: Plan) -> None:
    _status, plans = billing.get("/api/v1/billing/plans")
    _status, templates = billing.get("/api/v1/billing/templates")
    assert [p["name"] for p in plans] == ["VPS M"]
    assert 9000 in {t["vmid"] for t in templates}


def test_usage_sums_counter_growth_over_the_month_across_a_restart(billing: Api, small_plan: Plan) -> None:
    from proxvps.worker.models import UsageSample

    billing.post("/api/v1/billing/services", order_body())
    service = Service.objects.get()
    june = datetime(2026, 6, 1, tzinfo=UTC)
    for at, netin in [
        (-timedelta(days=1), 100),
        (timedelta(days=1), 150),
        (timedelta(days=2), 30),
        (timedelta(days=40), 999),
    ]:
        UsageSample.objects.create(service=service, taken_at=june + at, netin=netin, netout=2 * netin)
    status, body = billing.get("/api/v1/billing/usage", period="2026-06")
    assert status == 200
    assert body == [
        {
            "service_id": "1001",
            "hostname": service.hostname,
            "period": "2026-06",
            "net_in_bytes": 50 + 30,
            "net_out_bytes": 100 + 60,
            "disk_read_bytes": 0,
            "disk_write_bytes": 0,
            "disk_gb": 10,
            "samples": 2,
        }
    ]


def test_usage_of_a_new_service_counts_from_zero(billing: Api, small_plan: Plan) -> None:
    from proxvps.worker.models import UsageSample

    billing.post("/api/v1/billing/services", order_body())
    UsageSample.objects.create(service=Service.objects.get(), taken_at=datetime(2026, 6, 3, tzinfo=UTC), netin=70)
    _status, body = billing.get("/api/v1/billing/usage", period="2026-06", service_id="1001")
    assert body[0]["net_in_bytes"] == 70


@pytest.mark.parametrize("period", ["2026-13", "26-01", "2026-1", "x"])
def test_a_malformed_period_is_refused(billing: Api, period: str) -> None:
    status, body = billing.get("/api/v1/billing/usage", period=period)
    assert status == 422
    assert "period" in body["fields"]


@pytest.mark.parametrize(
    ("call", "field", "sentence"),
    [
        (("post", "/api/v1/billing/services", {"service_id": "12/34"}), "service_id", "Use letters, digits"),
        (("post", "/api/v1/billing/services", {"password": "a\nb"}), "password", "Use one line of text"),
        (("get", "/api/v1/billing/usage?period=2026-13", None), "period", "YYYY-MM"),
    ],
)
def test_a_refused_value_is_explained_in_words_not_as_a_regular_expression(
    billing: Api, small_plan: Plan, call, field: str, sentence: str
) -> None:
    method, path, change = call
    if method == "post":
        status, body = billing.post(path, {**order_body(), **change})
    else:
        status, body = billing.get(path)
    assert status == 422, body
    assert sentence in body["fields"][field], body
    assert "^" not in str(body), body
    assert "\\x" not in str(body), body


def test_a_password_that_is_too_short_is_explained_in_words(billing: Api, small_plan: Plan) -> None:
    billing.post("/api/v1/billing/services", order_body())
    status, body = billing.post("/api/v1/billing/services/1001/password", {"password": "short"})
    assert status == 422, body
    assert body["fields"]["password"].startswith("Use at least 8 characters"), body
