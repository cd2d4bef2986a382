"""Reaching the sandbox over HTTPS: TLS trust (pin or CA file), the token, and each way a connection fails.

Every failure must come out as its typed error with one readable sentence and never the token secret.
"""

from __future__ import annotations

import logging
import socket

import pytest

from proxvps.proxmox import (
    ProxmoxApiError,
    ProxmoxAuthError,
    ProxmoxClient,
    ProxmoxConnectionError,
    ProxmoxError,
    ProxmoxNodeUnreachableError,
    ProxmoxPermissionError,
    ProxmoxTLSError,
)
from tests.proxmox import open_client, settings_for


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_pinned_fingerprint_connects_and_lists_the_nodes(client):
    check = client.check()

    assert check.version.version
    assert check.online_nodes == ("pve1", "pve2", "pve3")


def test_the_pin_may_be_given_in_lower_case_without_colons(sandbox):
    pin = sandbox.info.fingerprint.lower().replace(":", "")

    with open_client(sandbox, fingerprint=pin) as client:
        assert client.settings.fingerprint == sandbox.info.fingerprint
        assert client.version().version


def test_a_wrong_pin_is_refused_before_any_request_reaches_the_server(sandbox):
    wrong = ":".join(["AB"] * 32)
    served = len(sandbox.pve.responses)

    with (
        ProxmoxClient(settings_for(sandbox.info, fingerprint=wrong)) as client,
        pytest.raises(ProxmoxTLSError) as caught,
    ):
        client.version()

    assert caught.value.expected == wrong
    assert caught.value.presented == sandbox.info.fingerprint
    assert wrong in str(caught.value)
    assert sandbox.info.fingerprint in str(caught.value)
    assert len(sandbox.pve.responses) == served


def test_a_ca_file_verifies_the_server(sandbox):
    with open_client(sandbox, fingerprint=None, cafile=sandbox.info.cafile) as client:
        assert client.version().version


def test_without_ca_file_or_pin_a_self_signed_server_is_not_trusted(sandbox):
    client = ProxmoxClient(settings_for(sandbox.info, fingerprint=None))
    with client, pytest.raises(ProxmoxTLSError, match="not trusted"):
        client.version()


def test_a_wrong_token_secret_is_an_auth_error_in_one_sentence(sandbox):
    client = ProxmoxClient(settings_for(sandbox.info, token_secret="not-the-secret"))
    with client, pytest.raises(ProxmoxAuthError) as caught:
        client.check()

    assert caught.value.status == 401
    assert str(caught.value) == "Proxmox rejected the API token (401 authentication failure)."


def test_a_closed_port_is_a_connection_error(sandbox):
    client = ProxmoxClient(settings_for(sandbox.info, url=f"https://127.0.0.1:{_closed_port()}"))

    with client, pytest.raises(ProxmoxConnectionError, match="refused the connection"):
        client.check()


def test_a_dropped_connection_is_a_connection_error(sandbox, client):
    sandbox.call(lambda pve: pve.flaky_network(drop_rate=1.0))

    with pytest.raises(ProxmoxConnectionError, match="broke before an answer arrived"):
        client.version()

    sandbox.call(lambda pve: pve.flaky_network(drop_rate=0.0))
    assert client.version().version


def test_a_server_that_never_answers_is_a_timeout_after_the_read_timeout(sandbox):
    sandbox.call(lambda pve: pve.flaky_network(hang_rate=1.0, hang_secs=1))
    client = ProxmoxClient(settings_for(sandbox.info, read_timeout=0.2))

    with client, pytest.raises(ProxmoxConnectionError, match=r"did not answer within 0\.2 seconds"):
        client.version()


def test_an_offline_node_is_reported_unreachable(sandbox, client):
    sandbox.call(lambda pve: pve.set_node_offline("pve3"))

    with pytest.raises(ProxmoxNodeUnreachableError) as caught:
        client.node_status("pve3")

    assert caught.value.status == 595


def test_a_missing_privilege_is_a_permission_error_naming_it(sandbox):
    def add_auditor(pve):
        pve.apitokens["auditor@pve!ro"] = "auditor-secret"
        pve.grant("auditor@pve!ro", "/nodes", "Sys.Audit")

    sandbox.call(add_auditor)

    with open_client(sandbox, token_id="auditor@pve!ro", token_secret="auditor-secret") as client:
        assert client.nodes()
        with pytest.raises(ProxmoxPermissionError, match=r"VM\.Audit") as caught:
            client.vm_status("pve1", 9009)

    assert caught.value.status == 403


def test_an_injected_failure_carries_pves_status_and_message(sandbox, client):
    sandbox.call(lambda pve: pve.fail("POST", "/nodes/pve1/qemu/9009/status/start", 500, "boom"))

    with pytest.raises(ProxmoxApiError) as caught:
        client.start("pve1", 9009)

    assert (caught.value.status, caught.value.pve_message) == (500, "boom")


def test_a_proxy_error_page_is_an_api_error_with_its_status(sandbox, client):
    sandbox.call(lambda pve: pve.fail("GET", "/version", 502, "<html>Bad Gateway</html>", html=True))

    with pytest.raises(ProxmoxApiError) as caught:
        client.version()

    assert caught.value.status == 502


def test_the_secret_is_in_no_repr_error_or_log_line(sandbox, caplog):
    secret = sandbox.info.token_secret
    caplog.set_level(logging.DEBUG)
    texts = []
    settings = settings_for(sandbox.info)
    texts += [repr(settings), str(settings)]
    with ProxmoxClient(settings) as client:
        texts.append(repr(client))
        client.check()
    for changes in ({"token_secret": "not-the-secret"}, {"fingerprint": ":".join(["AB"] * 32)}):
        failing = ProxmoxClient(settings_for(sandbox.info, **changes))
        with failing, pytest.raises(ProxmoxError) as caught:
            failing.check()
        texts += [str(caught.value), repr(caught.value)]

    assert all(secret not in text for text in texts)
    assert any("HTTP Request" in record.getMessage() for record in caplog.records)
    assert secret not in caplog.text
