"""PropertyString: PVE's `value,key=value` strings parse, render and change without losing any option."""

from typing import Any

import pytest

from proxvps.domain.drives import OptionValue, PropertyString, render_option_value


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("local-lvm:vm-100-disk-0,iothread=1,size=32G", id="drive"),
        pytest.param("local-lvm:vm-100-disk-0,size=32G,iothread=1,discard=on,ssd=1", id="drive-unsorted-options"),
        pytest.param("nfs.qcow2:100/vm-100-disk-0.qcow2,cache=writeback,size=10G", id="path-style-volume"),
        pytest.param("none,media=cdrom", id="empty-cdrom"),
        pytest.param("virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=10", id="nic"),
        pytest.param("order=ide2;scsi0;net0", id="boot-order"),
        pytest.param("cdn", id="legacy-boot"),
        pytest.param("ip=10.0.0.2/24,gw=10.0.0.1", id="ipconfig"),
        pytest.param("file=local:100/vm-100-disk-0.raw,size=8G", id="volume-as-file-option"),
        pytest.param("local:0,import-from=local:import/disk.qcow2=x", id="value-containing-equals"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_then_render_gives_back_the_same_text(text: str) -> None:
    assert PropertyString.parse(text).render() == text


@pytest.mark.parametrize(
    ("text", "value", "options"),
    [
        pytest.param(
            "local-lvm:vm-100-disk-0,iothread=1,size=32G",
            "local-lvm:vm-100-disk-0",
            (("iothread", "1"), ("size", "32G")),
            id="drive",
        ),
        pytest.param(
            "virtio=BC:24:11:00:00:01,bridge=vmbr0",
            None,
            (("virtio", "BC:24:11:00:00:01"), ("bridge", "vmbr0")),
            id="nic-has-no-bare-value",
        ),
        pytest.param("local:0,a=b=c", "local:0", (("a", "b=c"),), id="key-ends-at-first-equals"),
        pytest.param("size=8G,local:iso/x.iso", "local:iso/x.iso", (("size", "8G"),), id="bare-value-later"),
        pytest.param("local:iso/x.iso,,media=cdrom,", "local:iso/x.iso", (("media", "cdrom"),), id="blank-parts"),
    ],
)
def test_parse_splits_bare_value_and_ordered_options(
    text: str, value: str | None, options: tuple[tuple[str, str], ...]
) -> None:
    parsed = PropertyString.parse(text)
    assert (parsed.value, parsed.options) == (value, options)


def test_a_bare_value_written_later_is_rendered_first_as_pve_writes_it() -> None:
    assert PropertyString.parse("size=8G,local:iso/x.iso").render() == "local:iso/x.iso,size=8G"


@pytest.mark.parametrize(
    ("text", "changes", "expected"),
    [
        pytest.param(
            "local-lvm:vm-100-disk-0,iothread=1,size=32G,discard=on",
            {"size": "40G"},
            "local-lvm:vm-100-disk-0,iothread=1,size=40G,discard=on",
            id="replaced-in-place",
        ),
        pytest.param(
            "local-lvm:vm-100-disk-0,iothread=1,size=32G",
            {"mbps_rd": 100, "iops_wr": 500},
            "local-lvm:vm-100-disk-0,iothread=1,size=32G,mbps_rd=100,iops_wr=500",
            id="new-ones-appended-in-order",
        ),
        pytest.param(
            "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=10",
            {"firewall": True, "rate": 12.5},
            "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=10,firewall=1,rate=12.5",
            id="bool-and-float",
        ),
        pytest.param(
            "a:1,x=1",
            {"import-from": "local:import/y.raw"},
            "a:1,x=1,import-from=local:import/y.raw",
            id="dash",
        ),
        pytest.param("a:1,x=1", {}, "a:1,x=1", id="nothing"),
    ],
)
def test_with_options_changes_only_what_it_is_given(text: str, changes: dict[str, OptionValue], expected: str) -> None:
    assert PropertyString.parse(text).with_options(**changes).render() == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param(("mbps_rd",), "local-lvm:vm-100-disk-0,iothread=1,size=32G,iops_wr=9", id="one"),
        pytest.param(("mbps_rd", "iops_wr"), "local-lvm:vm-100-disk-0,iothread=1,size=32G", id="two"),
        pytest.param(("tag",), "local-lvm:vm-100-disk-0,iothread=1,mbps_rd=5,size=32G,iops_wr=9", id="absent"),
    ],
)
def test_without_removes_only_the_named_options(keys: tuple[str, ...], expected: str) -> None:
    drive = PropertyString.parse("local-lvm:vm-100-disk-0,iothread=1,mbps_rd=5,size=32G,iops_wr=9")
    assert drive.without(*keys).render() == expected


def test_edits_leave_the_original_unchanged() -> None:
    drive = PropertyString.parse("local-lvm:vm-100-disk-0,size=32G")
    drive.with_options(size="40G")
    drive.without("size")
    assert drive.render() == "local-lvm:vm-100-disk-0,size=32G"


def test_get_and_contains_read_options_by_name() -> None:
    drive = PropertyString.parse("local-lvm:vm-100-disk-0,size=32G")
    assert (drive.get("size"), drive.get("cache"), "size" in drive, "cache" in drive) == (
        "32G",
        None,
        True,
        False,
    )


def test_of_builds_a_new_string() -> None:
    assert (
        PropertyString.of("local-lvm:20", format="raw", iothread=True).render() == "local-lvm:20,format=raw,iothread=1"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, "1", id="true"),
        pytest.param(False, "0", id="false"),
        pytest.param(0, "0", id="zero"),
        pytest.param(250, "250", id="int"),
        pytest.param(100.0, "100", id="whole-float"),
        pytest.param(12.5, "12.5", id="float"),
        pytest.param(0.00001, "0.00001", id="tiny-float-not-exponent"),
        pytest.param("vmbr0", "vmbr0", id="str"),
    ],
)
def test_option_values_are_rendered_as_pve_spells_them(value: OptionValue, expected: str) -> None:
    assert render_option_value(value) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("local:1,=1", "without key or value", id="no-key"),
        pytest.param("local:1,size=", "without key or value", id="no-value"),
        pytest.param("local:1,local:2", "two values without a key", id="two-bare-values"),
        pytest.param("local:1,size=1G,size=2G", "duplicate option 'size'", id="duplicate"),
        pytest.param("local:1,size=1G\nboot=c", "line break", id="newline"),
        pytest.param("local:1, iothread=1", "invalid option name", id="space-in-key"),
    ],
)
def test_parse_refuses_malformed_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PropertyString.parse(text)


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        pytest.param({"serial": "a,b"}, ValueError, "comma", id="comma-in-value"),
        pytest.param({"serial": ""}, ValueError, "empty", id="empty-value"),
        pytest.param({"rate": float("nan")}, ValueError, "finite", id="nan"),
        pytest.param({"rate": float("inf")}, ValueError, "finite", id="infinity"),
        pytest.param({"bad key": "1"}, ValueError, "invalid option name", id="bad-key"),
        pytest.param({"size": None}, TypeError, "NoneType", id="none"),
    ],
)
def test_with_options_refuses_values_pve_could_not_read(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        PropertyString.parse("local:1").with_options(**changes)


def test_a_bare_value_with_an_equals_sign_is_refused() -> None:
    with pytest.raises(ValueError, match="must not contain '='"):
        PropertyString(value="a=b")
