"""Answers and ids parsed without a server: UPIDs, task results, fingerprints, null-safe dataclasses (S22)."""

from __future__ import annotations

import httpx
import pytest

from proxvps.proxmox import (
    FirewallOptions,
    FirewallRule,
    IpSetEntry,
    Node,
    NodeStatus,
    ProxmoxApiError,
    ProxmoxAuthError,
    ProxmoxConfigError,
    ProxmoxConflictError,
    ProxmoxLockedError,
    ProxmoxNodeUnreachableError,
    ProxmoxPermissionError,
    ProxmoxResponseError,
    ProxmoxSettings,
    RrdPoint,
    Snapshot,
    Storage,
    TaskRef,
    TaskState,
    TaskStatus,
    VmConfig,
    VmResource,
    VmStatus,
    VncTicket,
    Volume,
    normalize_fingerprint,
    result_of,
)
from proxvps.proxmox.errors import api_error
from tests.proxmox import schema_errors

UPID = "UPID:pve1:0001A2B3:0A0B0C0D:6553F100:qmclone:9000:root@pam!proxvps:"
PIN = ":".join(["AB"] * 32)


def test_a_upid_is_parsed_into_its_fields():
    ref = TaskRef.from_upid(UPID)

    assert ref.node == "pve1"
    assert ref.pid == 0x1A2B3
    assert ref.pstart == 0x0A0B0C0D
    assert ref.starttime == 0x6553F100
    assert ref.type == "qmclone"
    assert ref.id == "9000"
    assert ref.user == "root@pam!proxvps"


def test_something_that_is_not_a_upid_is_refused_as_an_unreadable_answer():
    with pytest.raises(ProxmoxResponseError):
        TaskRef.from_upid("UPID:pve1:vncproxy:100:")


def test_a_running_task_has_no_result_yet():
    assert result_of(TaskStatus(TaskRef.from_upid(UPID), "running", None)) is None


@pytest.mark.parametrize(
    ("exitstatus", "state", "ok", "warnings"),
    [
        ("OK", TaskState.OK, True, 0),
        ("WARNINGS: 3", TaskState.WARNINGS, True, 3),
        ("clone failed: storage 'x' does not exist", TaskState.FAILED, False, 0),
        (None, TaskState.FAILED, False, 0),
    ],
)
def test_a_stopped_task_result_is_ok_ok_with_warnings_or_failed(exitstatus, state, ok, warnings):
    result = result_of(TaskStatus(TaskRef.from_upid(UPID), "stopped", exitstatus))

    assert result is not None
    assert (result.state, result.ok, result.warnings) == (state, ok, warnings)
    assert result.exitstatus == (exitstatus or "")
    assert "qmclone" in result.message


@pytest.mark.parametrize("spelling", [PIN.lower(), PIN.replace(":", ""), " " + PIN.lower().replace(":", " ")])
def test_a_fingerprint_is_normalised_to_uppercase_pairs(spelling):
    assert normalize_fingerprint(spelling) == PIN


@pytest.mark.parametrize("bad", ["AB:CD", "zz" * 32, ""])
def test_a_fingerprint_that_is_not_sha256_is_refused(bad):
    with pytest.raises(ProxmoxConfigError):
        normalize_fingerprint(bad)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"url": "http://pve.example.com:8006"}, "https"),
        ({"cafile": "/etc/ssl/certs/none.pem"}, "CA file"),
        ({"token_id": "root@pam"}, "user@realm!tokenid"),
        ({"fingerprint": "AB:CD"}, "SHA-256"),
        ({"fingerprint": PIN, "cafile": __file__}, "not both"),
        ({"read_timeout": 0}, "timeouts"),
    ],
)
def test_unusable_settings_are_refused_with_a_sentence_that_says_why(changes, words):
    values = {
        "url": "pve.example.com",
        "token_id": "root@pam!proxvps",
        "token_secret": "x-secret-x",
        **changes,
    }

    with pytest.raises(ProxmoxConfigError, match=words) as caught:
        ProxmoxSettings(**values)

    assert "x-secret-x" not in str(caught.value)


def test_a_bare_host_becomes_an_https_url_on_the_pve_port():
    settings = ProxmoxSettings("pve.example.com", "root@pam!proxvps", "x-secret-x")

    assert settings.url == "https://pve.example.com:8006"
    assert settings.api_url == "https://pve.example.com:8006/api2/json"


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (401, "authentication failure", ProxmoxAuthError),
        (403, "Permission check failed (/vms/100, VM.Audit)", ProxmoxPermissionError),
        (595, "No route to host", ProxmoxNodeUnreachableError),
        (500, "checksum mismatch (file change by other user?)", ProxmoxConflictError),
        (
            500,
            "detected modified configuration - file changed by other user? Try again.",
            ProxmoxConflictError,
        ),
        (500, "VM is locked (backup)", ProxmoxLockedError),
        (500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", ProxmoxLockedError),
        (500, "VM 100 already running", ProxmoxApiError),
    ],
)
def test_pve_answers_map_to_the_error_type_a_step_branches_on(status, message, kind):
    error = api_error(status, message)

    assert type(error) is kind
    assert error.status == status
    assert str(error).endswith(".")
    assert message.rstrip(".") in str(error)


def test_an_api_error_names_the_parameters_pve_refused():
    error = api_error(400, "Parameter verification failed.", {"cores": "value must be at least 1"})

    assert error.field_errors == {"cores": "value must be at least 1"}
    assert (
        str(error)
        == "Proxmox refused the request (400 Parameter verification failed; cores: value must be at least 1)."
    )


def test_an_auth_error_reads_as_one_sentence():
    assert str(api_error(401, "authentication failure")) == (
        "Proxmox rejected the API token (401 authentication failure)."
    )


@pytest.mark.parametrize(
    "message",
    ["no such IPSet 'ipfilter-net0'", "Configuration file 'nodes/pve1/qemu-server/1.conf' does not exist"],
)
def test_an_error_about_a_missing_object_says_so(message):
    assert api_error(500, message).missing
    assert not api_error(500, "VM 100 already running").missing


@pytest.mark.parametrize(
    "kind",
    [
        Node,
        NodeStatus,
        VmResource,
        Storage,
        Volume,
        VmStatus,
        Snapshot,
        FirewallOptions,
        FirewallRule,
        IpSetEntry,
        VncTicket,
        RrdPoint,
        VmConfig,
    ],
)
def test_every_answer_type_accepts_an_answer_with_every_optional_field_missing(kind):
    assert kind.from_api({}) is not None


def test_a_vm_config_keeps_every_key_as_a_string_and_its_digest():
    config = VmConfig.from_api(
        {
            "cores": 2,
            "memory": "2048",
            "cpulimit": 1.5,
            "numa": 0,
            "scsi0": "local-lvm:vm-100-disk-0,size=8G",
            "digest": "abc",
            "unused0": None,
        }
    )

    assert dict(config) == {
        "cores": "2",
        "memory": "2048",
        "cpulimit": "1.5",
        "numa": "0",
        "scsi0": "local-lvm:vm-100-disk-0,size=8G",
    }
    assert config.digest == "abc"
    assert config.get("boot") is None


def test_numbers_sent_as_strings_or_missing_are_read_null_safely():
    status = VmStatus.from_api({"vmid": "100", "status": "running", "mem": "1024", "uptime": None, "ha": None})

    assert (status.vmid, status.mem, status.uptime, status.ha_state, status.running) == (
        100,
        1024,
        None,
        None,
        True,
    )


def test_a_vnc_ticket_keeps_its_secrets_out_of_repr():
    ticket = VncTicket.from_api({"ticket": "PVEVNC:secretticket", "password": "vncpass1", "port": "5900"})

    assert "secretticket" not in repr(ticket)
    assert "vncpass1" not in repr(ticket)
    assert ticket.port == 5900


def test_the_schema_guard_of_these_tests_catches_a_parameter_pve_does_not_define():
    url = "https://pve.example.com:8006/api2/json/nodes/pve1/qemu/100/status/start"

    assert schema_errors(httpx.Request("POST", url, data={"timeout": "30"})) == {}
    assert "bogus" in schema_errors(httpx.Request("POST", url, data={"bogus": "1"}))
    assert "path" in schema_errors(httpx.Request("GET", url.replace("status/start", "nonsense")))
