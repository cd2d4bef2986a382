"""NetDevice: the net0 string read and edited without losing the MAC or any other option."""

from typing import Any

import pytest
from fakepve import schema

from proxvps.domain.network import KEEP, NetDevice, normalize_mac

QEMU_CONFIG = schema.load().paths["/nodes/{node}/qemu/{vmid}/config"]["POST"]["parameters"]

MAC = "BC:24:11:00:00:01"


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,tag=10,rate=12.5,firewall=1",
            ("virtio", MAC, "vmbr0", 10, 12.5, True),
            id="everything",
        ),
        pytest.param(f"e1000={MAC},bridge=vmbr1", ("e1000", MAC, "vmbr1", None, None, False), id="model-alias"),
        pytest.param(
            f"model=vmxnet3,macaddr={MAC},bridge=vmbr0,firewall=off",
            ("vmxnet3", MAC, "vmbr0", None, None, False),
            id="explicit-model-and-macaddr",
        ),
        pytest.param("virtio,bridge=vmbr0", ("virtio", None, "vmbr0", None, None, False), id="bare-model-no-mac"),
        pytest.param(f"e1000-82540em={MAC}", ("e1000-82540em", MAC, None, None, None, False), id="no-bridge"),
        pytest.param(f"virtio={MAC},rate=100,firewall=yes", ("virtio", MAC, None, None, 100.0, True), id="whole-rate"),
    ],
)
def test_parse_reads_model_mac_bridge_tag_rate_firewall(
    text: str, fields: tuple[str, str | None, str | None, int | None, float | None, bool]
) -> None:
    nic = NetDevice.parse(text)
    assert (nic.model, nic.macaddr, nic.bridge, nic.tag, nic.rate, nic.firewall) == fields


@pytest.mark.parametrize(
    ("text", "changes", "expected"),
    [
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,mtu=1400,queues=4",
            {"bridge": "vmbr1", "tag": 20, "rate": 12.5, "firewall": True},
            f"virtio={MAC},bridge=vmbr1,mtu=1400,queues=4,tag=20,rate=12.5,firewall=1",
            id="all-set-mac-and-others-kept",
        ),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,tag=10,rate=5,firewall=1",
            {"tag": None, "rate": None},
            f"virtio={MAC},bridge=vmbr0,firewall=1",
            id="tag-and-rate-removed",
        ),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,tag=10,firewall=1",
            {"tag": 30},
            f"virtio={MAC},bridge=vmbr0,tag=30,firewall=1",
            id="tag-replaced-in-place",
        ),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,firewall=1",
            {"firewall": False},
            f"virtio={MAC},bridge=vmbr0,firewall=0",
            id="firewall-off",
        ),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0,rate=10.0,firewall=on",
            {"bridge": "vmbr0", "rate": 10, "firewall": True, "tag": None},
            f"virtio={MAC},bridge=vmbr0,rate=10.0,firewall=on",
            id="same-values-leave-text-alone",
        ),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0",
            {"macaddr": "bc:24:11:aa:bb:cc"},
            "virtio=BC:24:11:AA:BB:CC,bridge=vmbr0",
            id="mac-replaced-where-it-stands",
        ),
        pytest.param(
            f"model=virtio,macaddr={MAC},bridge=vmbr0",
            {"macaddr": "02:00:00:00:00:01"},
            "model=virtio,macaddr=02:00:00:00:00:01,bridge=vmbr0",
            id="mac-in-macaddr-option",
        ),
        pytest.param(
            "virtio,bridge=vmbr0",
            {"macaddr": "02:00:00:00:00:01", "tag": 5},
            "virtio,bridge=vmbr0,tag=5,macaddr=02:00:00:00:00:01",
            id="mac-added-to-bare-model",
        ),
        pytest.param(f"virtio={MAC},bridge=vmbr0", {}, f"virtio={MAC},bridge=vmbr0", id="no-changes"),
        pytest.param(
            f"virtio={MAC},bridge=vmbr0",
            {"bridge": KEEP, "tag": KEEP, "rate": KEEP, "macaddr": KEEP, "firewall": KEEP},
            f"virtio={MAC},bridge=vmbr0",
            id="explicit-keep",
        ),
    ],
)
def test_with_changes_keeps_the_mac_and_every_other_option(text: str, changes: dict[str, Any], expected: str) -> None:
    assert NetDevice.parse(text).with_changes(**changes).render() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("bridge=vmbr0", "exactly one model", id="no-model"),
        pytest.param(f"virtio={MAC},e1000={MAC}", "exactly one model", id="two-models"),
        pytest.param(f"virtio={MAC},model=virtio", "exactly one model", id="alias-and-model"),
        pytest.param("rtl8029,bridge=vmbr0", "unknown NIC model 'rtl8029'", id="unknown-model"),
        pytest.param(f"virtio={MAC},macaddr={MAC}", "MAC twice", id="mac-twice"),
        pytest.param("virtio=01:00:5E:00:00:01", "not a unicast MAC", id="multicast-mac"),
        pytest.param("virtio=BC:24:11:00:01", "not a unicast MAC", id="five-octets"),
        pytest.param(f"virtio={MAC},bridge=vmbr 0", "not a bridge name", id="bad-bridge"),
        pytest.param(f"virtio={MAC},tag=0", "between 1 and 4094", id="tag-zero"),
        pytest.param(f"virtio={MAC},tag=4095", "between 1 and 4094", id="tag-too-big"),
        pytest.param(f"virtio={MAC},tag=ten", "not a number", id="tag-not-a-number"),
        pytest.param(f"virtio={MAC},rate=-1", "not a number of MB/s", id="negative-rate"),
        pytest.param(f"virtio={MAC},firewall=maybe", "not a boolean", id="firewall-not-boolean"),
        pytest.param(f"virtio={MAC},,bridge", "exactly one model", id="malformed"),
    ],
)
def test_parse_refuses_nics_pve_would_refuse(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NetDevice.parse(text)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"tag": 4095}, "between 1 and 4094", id="tag-too-big"),
        pytest.param({"tag": 0}, "between 1 and 4094", id="tag-zero"),
        pytest.param({"rate": -0.5}, "at least 0", id="negative-rate"),
        pytest.param({"rate": float("nan")}, "finite", id="nan-rate"),
        pytest.param({"bridge": "vmbr0,tag=5"}, "not a bridge name", id="bridge-smuggling-an-option"),
        pytest.param({"macaddr": "00:00:00:00:00:00"}, "not a unicast MAC", id="zero-mac"),
        pytest.param({"macaddr": "BD:24:11:00:00:01"}, "not a unicast MAC", id="multicast-mac"),
    ],
)
def test_with_changes_refuses_values_pve_would_refuse(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NetDevice.parse(f"virtio={MAC},bridge=vmbr0").with_changes(**changes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("bc:24:11:00:00:01", "BC:24:11:00:00:01"), ("02:00:00:00:00:00", "02:00:00:00:00:00")],
)
def test_normalize_mac_gives_pves_upper_case_spelling(text: str, expected: str) -> None:
    assert normalize_mac(text) == expected


def test_an_edited_nic_passes_the_pve_schema() -> None:
    nic = NetDevice.parse(f"virtio={MAC},bridge=vmbr0,queues=4").with_changes(
        bridge="vmbr1", tag=4094, rate=0.5, firewall=True
    )
    _, errors = schema.validate(QEMU_CONFIG, {"node": "pve1", "vmid": "100", "net0": nic.render()})
    assert errors == {}
