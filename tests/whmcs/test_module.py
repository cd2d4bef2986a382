"""The WHMCS module, run by php-cli with WHMCS-shaped $params against a live proxvps and the sandbox cluster:
each module function maps to the API and back, and a VM comes out of CreateAccount and ChangePackage."""

from __future__ import annotations

import httpx
import pytest
from django.conf import settings as django_settings

from proxvps.domain import states
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.orders import order_service
from proxvps.proxmox import VmResource
from proxvps.worker.models import UsageSample
from tests.lifecycle.conftest import drive
from tests.lifecycle.vms import guest_cloudinit, tasks_of
from tests.whmcs.conftest import VM_PASSWORD, Whmcs

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quick_polls(settings) -> None:
    settings.PROXVPS_TASK_POLL_SECONDS = 0.01


def _vm_config(cluster: Server, service: Service) -> dict[str, str]:
    with client_for(cluster) as client:
        return dict(client.vm_config(service.node, service.vmid or 0))


def _vms(cluster: Server) -> set[int]:
    with client_for(cluster) as client:
        return {r.vmid for r in client.cluster_resources("vm") if isinstance(r, VmResource) and not r.template}


def test_create_account_makes_a_ready_vm_and_change_package_upgrades_it(
    whmcs: Whmcs, cluster: Server, plan: Plan
) -> None:
    report = whmcs.call("CreateAccount", whmcs.params())
    assert report["result"] == "success", report
    service = Service.objects.get(billing_service_id="501")
    assert (service.client_ref, service.client_email, service.password) == ("77", "ann@example.com", VM_PASSWORD)
    drive(service)
    assert service.state == states.READY
    config = _vm_config(cluster, service)
    assert (config["cores"], config["memory"]) == ("2", "2048")
    assert service.addresses.count() == 2  # ipv4 (legacy name) 1, and the plan's one IPv6

    upgraded = whmcs.params(configoptions={"CPU Cores": 4, "RAM|Memory": "4096|4 GB", "ipv4": "1"})
    report = whmcs.call("ChangePackage", upgraded)
    assert report["result"] == "success", report
    service.refresh_from_db()
    assert service.state == states.CHANGE_PACKAGE
    drive(service)
    assert service.state == states.READY
    config = _vm_config(cluster, service)
    assert (config["cores"], config["memory"]) == ("4", "4096")


def test_create_account_twice_for_one_service_makes_one_vm(whmcs: Whmcs, cluster: Server, plan: Plan) -> None:
    before = _vms(cluster)
    assert whmcs.call("CreateAccount", whmcs.params())["result"] == "success"
    assert whmcs.call("CreateAccount", whmcs.params())["result"] == "success"
    service = Service.objects.get(billing_service_id="501")
    drive(service)
    assert whmcs.call("CreateAccount", whmcs.params())["result"] == "success"
    assert Service.objects.count() == 1
    assert _vms(cluster) - before == {service.vmid}


def test_a_refused_order_comes_back_as_the_sentence_naming_the_option(whmcs: Whmcs, cluster: Server, plan: Plan):
    report = whmcs.call("CreateAccount", whmcs.params(configoptions={"RAM": "lots"}))
    assert report["result"].startswith('Option "RAM": "lots" is not a whole number of MB.')
    assert not Service.objects.exists()


def test_the_plan_dropdown_and_the_connection_test(whmcs: Whmcs, cluster: Server, plan: Plan) -> None:
    assert whmcs.call("LoadPlans", whmcs.params())["result"] == {"VPS M": "VPS M"}
    assert whmcs.call("TestConnection", whmcs.params())["result"] == {"success": True, "error": ""}
    wrong = whmcs.call("TestConnection", whmcs.params(serveraccesshash="pvx_00000000_nope"))["result"]
    assert wrong == {"success": False, "error": "A valid API token or client session is required."}
    options = whmcs.call("ConfigOptions", {})["result"]
    assert options["Plan"]["Loader"] == "proxvps_LoadPlans"


def test_the_module_log_never_holds_the_token_or_the_password(whmcs: Whmcs, cluster: Server, plan: Plan) -> None:
    report = whmcs.call("CreateAccount", whmcs.params())
    assert report["module_log"]
    for line in report["module_log"]:
        assert whmcs.token not in line
        assert VM_PASSWORD not in line


def test_renew_admin_fields_and_client_area_read_the_service(whmcs: Whmcs, cluster: Server, plan: Plan) -> None:
    whmcs.call("CreateAccount", whmcs.params())
    drive(Service.objects.get())
    assert whmcs.call("Renew", whmcs.params())["result"] == "success"
    fields = whmcs.call("AdminServicesTabFields", whmcs.params())["result"]
    service = Service.objects.get()
    assert fields["State"] == "Ready"
    assert fields["VMID"] == str(service.vmid)
    assert fields["IP addresses"].count(",") == 1
    area = whmcs.call("ClientArea", whmcs.params())["result"]
    assert area["tabOverviewReplacementTemplate"] == "templates/overview.tpl"
    assert area["templateVariables"]["proxvps"]["hostname"] == service.hostname
    assert area["templateVariables"]["proxvpsSsoLink"].endswith("id=501&dosinglesignon=1")
    missing = whmcs.call("AdminServicesTabFields", whmcs.params(serviceid=999))["result"]
    assert missing == {"proxvps": "There is no service 999."}


def test_single_sign_on_opens_the_client_area_once(whmcs: Whmcs, plan: Plan, live_server, settings) -> None:
    settings.PUBLIC_URL = live_server.url
    order_service(billing_service_id="501", client_ref="77", plan=plan)
    result = whmcs.call("ServiceSingleSignOn", whmcs.params())["result"]
    assert result["success"] is True, result
    with httpx.Client() as browser:
        page = browser.get(result["redirectTo"], follow_redirects=True)
        assert page.status_code == 200
        assert str(page.url).endswith("/client/services/501/")
        assert Service.objects.get().hostname in page.text
    assert httpx.get(result["redirectTo"]).status_code == 403


def test_single_sign_on_refuses_a_link_to_another_host(whmcs: Whmcs, plan: Plan) -> None:
    assert django_settings.PUBLIC_URL.startswith("http://127.0.0.1:")
    order_service(billing_service_id="501", client_ref="77", plan=plan)
    result = whmcs.call("ServiceSingleSignOn", whmcs.params())["result"]
    assert result == {"success": False, "errorMsg": "proxvps answered a sign-in link to an unexpected host."}


def test_usage_update_and_the_metric_provider_report_this_months_traffic(whmcs: Whmcs, plan: Plan) -> None:
    from django.utils import timezone

    service = order_service(billing_service_id="501", client_ref="77", plan=plan, hostname="web1.example.com")
    UsageSample.objects.create(service=service, taken_at=timezone.now(), netin=3 * 2**30, netout=2**29)
    report = whmcs.call("UsageUpdate", whmcs.params())
    assert report["result"] == "success"
    [update] = report["updates"]
    assert update["table"] == "tblhosting"
    assert update["where"] == {"id": "501", "server": 1}
    assert update["values"]["bwusage"] == 3.5 * 1024
    assert update["values"]["disklimit"] == (20 + 5) * 1024

    provided = whmcs.call("MetricProvider", whmcs.params(), tenant="web1.example.com")["result"]
    assert [m["name"] for m in provided["metrics"]] == ["net_in", "net_out"]
    assert {m["type"] for m in provided["metrics"]} == {"month"}
    assert [m["usage"] for m in provided["usage"]["web1.example.com"]] == [3, 0.5]
    assert [m["usage"] for m in provided["tenant"]] == [3, 0.5]


def _status(sandbox, service: Service) -> str | None:
    status = sandbox.call(lambda pve: pve.vm(service.vmid).status if pve.vm(service.vmid) is not None else None)
    return None if status is None else str(status)


def test_suspend_unsuspend_and_terminate_to_a_vm_gone_from_the_sandbox(
    whmcs: Whmcs, sandbox, cluster: Server, plan: Plan
) -> None:
    assert whmcs.call("CreateAccount", whmcs.params())["result"] == "success"
    service = Service.objects.get()
    drive(service)
    vmid = service.vmid

    assert whmcs.call("SuspendAccount", whmcs.params())["result"] == "success"
    drive(service)
    assert (service.state, _status(sandbox, service)) == (states.SUSPENDED, "stopped")
    assert whmcs.call("SuspendAccount", whmcs.params())["result"] == "success"

    assert whmcs.call("UnsuspendAccount", whmcs.params())["result"] == "success"
    drive(service)
    assert (service.state, _status(sandbox, service)) == (states.READY, "running")

    assert whmcs.call("TerminateAccount", whmcs.params())["result"] == "success"
    drive(service)
    assert service.state == states.REMOVE
    assert sandbox.call(lambda pve: pve.vm(vmid)) is None
    assert vmid not in _vms(cluster)
    assert whmcs.call("TerminateAccount", whmcs.params())["result"] == "success"


def test_terminating_a_service_proxvps_never_had_succeeds(whmcs: Whmcs, plan: Plan) -> None:
    assert whmcs.call("TerminateAccount", whmcs.params(serviceid=404))["result"] == "success"


def test_change_password_reaches_the_vm(whmcs: Whmcs, sandbox, cluster: Server, plan: Plan) -> None:
    whmcs.call("CreateAccount", whmcs.params())
    service = Service.objects.get()
    drive(service)
    assert guest_cloudinit(sandbox, service).password == VM_PASSWORD
    report = whmcs.call("ChangePassword", whmcs.params(password="Changed-Pass-2024"))
    assert report["result"] == "success"
    assert all("Changed-Pass-2024" not in line for line in report["module_log"])
    drive(service)
    assert (service.state, service.password) == (states.READY, "Changed-Pass-2024")
    assert guest_cloudinit(sandbox, service).password == "Changed-Pass-2024", "the guest's cloud-init has it"
    short = whmcs.call("ChangePassword", whmcs.params(password="short"))["result"]
    assert short.startswith("The request is not valid; see the fields. password:")


def test_the_admin_buttons_stop_start_reboot_and_redeploy(whmcs: Whmcs, sandbox, cluster: Server, plan: Plan) -> None:
    assert whmcs.call("AdminCustomButtonArray", {})["result"] == {
        "Start": "PowerStart",
        "Stop": "PowerStop",
        "Reboot": "PowerReboot",
        "Redeploy": "Redeploy",
        "Set DNS records": "SetDnsRecords",
    }
    whmcs.call("CreateAccount", whmcs.params())
    service = Service.objects.get()
    drive(service)
    assert whmcs.call("PowerStop", whmcs.params())["result"] == "success"
    drive(service)
    assert _status(sandbox, service) == "stopped"
    assert whmcs.call("PowerStart", whmcs.params())["result"] == "success"
    drive(service)
    assert _status(sandbox, service) == "running"
    reboots = len(tasks_of(sandbox, "qmreboot", service.vmid))
    assert whmcs.call("PowerReboot", whmcs.params())["result"] == "success"
    drive(service)
    (reboot,) = tasks_of(sandbox, "qmreboot", service.vmid)[reboots:]
    assert (reboot["status"], reboot["exitstatus"]) == ("stopped", "OK"), "the VM rebooted"
    assert _status(sandbox, service) == "running"
    assert whmcs.call("SetDnsRecords", whmcs.params())["result"] == "success"
    assert Service.objects.get().state == states.DNS_SYNC
    drive(service)
    assert service.state == states.READY
    vmid = service.vmid
    assert whmcs.call("Redeploy", whmcs.params())["result"] == "success"
    assert Service.objects.get().state == states.REINSTALL
    drive(service)
    assert (service.state, service.vmid, _status(sandbox, service)) == (states.READY, vmid, "running")
