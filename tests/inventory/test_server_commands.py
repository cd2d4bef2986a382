"""`proxvps check-server` and `proxvps sync-server` against the sandbox: answers, and one sentence per failure."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core.management import call_command

from proxvps.inventory.models import Node, Server, Template

pytestmark = pytest.mark.django_db


def _register(sandbox, **changes: object) -> Server:
    fields: dict[str, object] = {
        "name": "lab",
        "url": sandbox.info.url,
        "token_id": sandbox.info.token_id,
        "token_secret": sandbox.info.token_secret,
        "fingerprint": sandbox.info.fingerprint,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
    }
    fields.update(changes)
    return Server.objects.create(**fields)


def _run(command: str, name: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command(command, name, stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _assert_one_sentence(err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word.lower() in lines[0].lower()


def test_check_server_prints_the_version_and_every_node(sandbox) -> None:
    _register(sandbox)
    code, out, err = _run("check-server", "lab")
    assert (code, err) == (0, "")
    assert "Proxmox VE 9" in out
    assert [line for line in out.splitlines() if line.startswith("node ")] == [
        "node pve1: online",
        "node pve2: online",
        "node pve3: online",
    ]


def test_check_server_shows_an_offline_node(sandbox) -> None:
    _register(sandbox)
    sandbox.call(lambda pve: pve.set_node_offline("pve2"))
    code, out, _err = _run("check-server", "lab")
    assert code == 0
    assert "node pve2: offline" in out


def test_a_wrong_token_is_one_sentence_and_changes_nothing(sandbox) -> None:
    server = _register(sandbox, token_secret="00000000-0000-0000-0000-000000000000")
    before = list(Server.objects.values())
    code, out, err = _run("check-server", "lab")
    assert code == 1
    assert out == ""
    _assert_one_sentence(err, "token")
    assert server.token_secret not in err
    assert list(Server.objects.values()) == before
    assert not Node.objects.exists()


def test_a_wrong_fingerprint_is_one_sentence_and_sends_no_request(sandbox) -> None:
    _register(sandbox, fingerprint=":".join(["00"] * 32))
    served = len(sandbox.pve.requests)
    code, _out, err = _run("check-server", "lab")
    assert code == 1
    _assert_one_sentence(err, "fingerprint")
    assert sandbox.info.fingerprint in err
    assert len(sandbox.pve.requests) == served


def test_an_unreachable_url_is_one_sentence() -> None:
    Server.objects.create(
        name="lab",
        url=f"https://127.0.0.1:{_closed_port()}",
        token_id="root@pam!proxvps",
        token_secret="secret-secret",
        connect_timeout=2.0,
    )
    code, _out, err = _run("check-server", "lab")
    assert code == 1
    _assert_one_sentence(err, "127.0.0.1")


def test_an_unknown_server_name_is_one_sentence() -> None:
    code, _out, err = _run("check-server", "nowhere")
    assert code == 1
    _assert_one_sentence(err, "nowhere")


def test_sync_reads_nodes_and_every_template_kind(sandbox) -> None:
    server = _register(sandbox)
    code, _out, err = _run("sync-server", "lab")
    assert (code, err) == (0, "")
    assert sorted(server.nodes.values_list("name", flat=True)) == ["pve1", "pve2", "pve3"]
    found = {t.vmid: (t.system_disk, t.disk_format, t.has_cloudinit) for t in Template.objects.all()}
    assert 9009 not in found, "a plain VM is not a template"
    assert found[9000] == ("scsi0", "raw", True)
    assert found[9001][0] == "sata0"
    assert found[9002][0] == "ide0"
    assert found[9003][0] == "virtio0"
    assert found[9004][0] == "scsi0"
    assert found[9005][0] == "scsi0"
    assert found[9007][:2] == ("scsi0", "raw")
    assert found[9008][1] == "qcow2"
    assert found[9010][2] is False


def test_a_failed_sync_changes_nothing(sandbox) -> None:
    _register(sandbox)
    sandbox.call(lambda pve: pve.fail("GET", "/cluster/resources", 500, "pmxcfs not running"))
    code, _out, err = _run("sync-server", "lab")
    assert code == 1
    _assert_one_sentence(err, "pmxcfs")
    assert not Node.objects.exists()
    assert not Template.objects.exists()
