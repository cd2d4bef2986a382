"""Tests of the Proxmox adapter against the sandbox cluster over real HTTPS.

`open_client` connects to the sandbox the way production does (token, pinned fingerprint). When the test is
done it checks SPEC S2 twice: the sandbox refused no request with PVE's "property is not defined in
schema", and every request the client sent validates against the PVE 9 schema fakepve ships (some of
fakepve's hand-written routes skip that check, so the outgoing requests are checked here as well).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
from fakepve import schema as pve_schema

from proxvps.proxmox import ProxmoxClient, ProxmoxSettings, TaskRef, TaskResult

SCHEMA_REFUSAL = "property is not defined in schema"
API_PREFIX = "/api2/json"


def settings_for(info: Any, **changes: Any) -> ProxmoxSettings:
    """Settings for the sandbox: its URL, token and pinned fingerprint, with `changes` applied."""
    values: dict[str, Any] = {
        "url": info.url,
        "token_id": info.token_id,
        "token_secret": info.token_secret,
        "fingerprint": info.fingerprint,
    }
    values.update(changes)
    return ProxmoxSettings(**values)


def schema_errors(request: httpx.Request) -> dict[str, str]:
    """What PVE 9's schema says against a request: unknown method or path, or per-parameter errors."""
    raw = request.url.raw_path.decode().split("?", 1)[0]
    assert raw.startswith(API_PREFIX + "/"), raw
    match = pve_schema.load().match(raw[len(API_PREFIX) :])  # segments still encoded: a volid holds "/"
    if match is None or request.method not in match.methods:
        return {"path": f"{request.method} {raw} is not in the PVE 9 schema"}
    spec = match.methods[request.method].get("parameters") or {}
    values: dict[str, Any] = dict(parse_qsl(request.url.query.decode()))
    values.update(parse_qsl(request.content.decode()))
    declared = spec.get("properties", {})
    values.update((key, unquote(value)) for key, value in match.params.items() if key in declared)
    return dict(pve_schema.validate(spec, values)[1])


def assert_schema_clean(sandbox: Any, sent: list[httpx.Request]) -> None:
    refused = [entry for entry in sandbox.pve.responses if entry[2] == 400 and SCHEMA_REFUSAL in entry[3]]
    assert refused == [], refused
    invalid = [(r.method, str(r.url), errors) for r in sent if (errors := schema_errors(r))]
    assert invalid == [], invalid


@contextlib.contextmanager
def open_client(sandbox: Any, **changes: Any) -> Iterator[ProxmoxClient]:
    """A client of the sandbox; on exit, checks that every request it sent passed PVE 9's schema."""
    sent: list[httpx.Request] = []
    with ProxmoxClient(settings_for(sandbox.info, **changes)) as client:
        client._session._http.event_hooks["request"].append(sent.append)
        yield client
    assert sent
    assert_schema_clean(sandbox, sent)


def finished(client: ProxmoxClient, ref: TaskRef) -> TaskResult:
    """The result of a task that succeeded (the sandbox runs a task to its end before it answers)."""
    result = client.task_result(ref)
    assert result is not None, client.task_log(ref)
    assert result.ok, result.message
    return result


def fresh_vm(client: ProxmoxClient, name: str = "test") -> int:
    """The VMID of a new full clone of template 9000 on pve1."""
    vmid = client.nextid()
    finished(client, client.clone("pve1", 9000, vmid, f"{name}{vmid}"))
    return vmid
