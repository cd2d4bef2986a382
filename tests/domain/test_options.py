"""Configurable options over plan defaults: plain and legacy names, WHMCS value|label text, refusals."""

import dataclasses
from typing import Any

import pytest

from proxvps.domain.options import (
    OPTIONS,
    OptionError,
    Resources,
    resolve_resources,
    shrinks,
    validate_addressing,
)

DEFAULTS = Resources(
    cpu_cores=1,
    ram_mb=1024,
    system_disk_gb=10,
    additional_disk_gb=0,
    system_disk_read_mbps=0,
    system_disk_write_mbps=0,
    system_disk_read_iops=0,
    system_disk_write_iops=0,
    additional_disk_read_mbps=0,
    additional_disk_write_mbps=0,
    additional_disk_read_iops=0,
    additional_disk_write_iops=0,
    network_mbps=0,
    ipv4_count=1,
    ipv6_count=0,
    backups_count=0,
    snapshots_count=0,
    operating_system=None,
)

PLAIN = [
    ("CPU Cores", "4", "cpu_cores", 4),
    ("RAM", "2048", "ram_mb", 2048),
    ("System Disk", "40", "system_disk_gb", 40),
    ("Additional Disk", "100", "additional_disk_gb", 100),
    ("System Disk Read Bandwidth", "200", "system_disk_read_mbps", 200),
    ("System Disk Write Bandwidth", "150", "system_disk_write_mbps", 150),
    ("System Disk Read IOPS", "5000", "system_disk_read_iops", 5000),
    ("System Disk Write IOPS", "3000", "system_disk_write_iops", 3000),
    ("Additional Disk Read Bandwidth", "120", "additional_disk_read_mbps", 120),
    ("Additional Disk Write Bandwidth", "80", "additional_disk_write_mbps", 80),
    ("Additional Disk Read IOPS", "2000", "additional_disk_read_iops", 2000),
    ("Additional Disk Write IOPS", "1000", "additional_disk_write_iops", 1000),
    ("Network Bandwidth", "125", "network_mbps", 125),
    ("IPv4 Addresses", "2", "ipv4_count", 2),
    ("IPv6 Addresses", "3", "ipv6_count", 3),
    ("Backups", "5", "backups_count", 5),
    ("Snapshots", "7", "snapshots_count", 7),
    ("Operating System", "debian-12", "operating_system", "debian-12"),
]


def test_the_table_has_the_eighteen_plain_names_of_the_spec() -> None:
    assert [spec.plain_name for spec in OPTIONS] == [name for name, *_ in PLAIN]


@pytest.mark.parametrize(("name", "raw", "field", "value"), [pytest.param(*row, id=row[0]) for row in PLAIN])
def test_each_plain_option_overrides_only_its_default(name: str, raw: str, field: str, value: object) -> None:
    resolved = resolve_resources(DEFAULTS, {name: raw})

    assert getattr(resolved, field) == value
    assert dataclasses.replace(resolved, **{field: getattr(DEFAULTS, field)}) == DEFAULTS


@pytest.mark.parametrize(
    ("name", "raw", "field", "value"),
    [
        pytest.param("CPU", "2", "cpu_cores", 2, id="CPU"),
        pytest.param("cpu", "2", "cpu_cores", 2, id="cpu-any-case"),
        pytest.param("ram", "4096", "ram_mb", 4096, id="ram-any-case"),
        pytest.param("ipv4", "2", "ipv4_count", 2, id="ipv4"),
        pytest.param("IPV4", "2", "ipv4_count", 2, id="IPV4-any-case"),
        pytest.param("ipv6", "1", "ipv6_count", 1, id="ipv6"),
        pytest.param("OS", "ubuntu-24.04", "operating_system", "ubuntu-24.04", id="OS"),
        pytest.param("os", "ubuntu-24.04", "operating_system", "ubuntu-24.04", id="os-any-case"),
        pytest.param("B", "3", "backups_count", 3, id="B-backups"),
        pytest.param("b", "3", "backups_count", 3, id="b-any-case"),
        pytest.param("S", "4", "snapshots_count", 4, id="S-snapshots"),
        pytest.param("s", "4", "snapshots_count", 4, id="s-any-case"),
        pytest.param(" CPU ", "2", "cpu_cores", 2, id="spaces-around"),
        pytest.param("CPU|Cores", "2", "cpu_cores", 2, id="whole-admin-name-read-as-whmcs-does"),
    ],
)
def test_legacy_names_still_set_their_resource(name: str, raw: str, field: str, value: object) -> None:
    assert getattr(resolve_resources(DEFAULTS, {name: raw}), field) == value


@pytest.mark.parametrize(
    ("options", "field", "value"),
    [
        pytest.param({"CPU Cores": "8", "CPU": "2"}, "cpu_cores", 8, id="cores-plain-first"),
        pytest.param({"CPU": "2", "CPU Cores": "8"}, "cpu_cores", 8, id="cores-legacy-first"),
        pytest.param({"ram": "512", "RAM": "8192"}, "ram_mb", 8192, id="ram"),
        pytest.param({"ipv4": "1", "IPv4 Addresses": "4"}, "ipv4_count", 4, id="ipv4"),
        pytest.param({"ipv6": "1", "IPv6 Addresses": "0"}, "ipv6_count", 0, id="ipv6-plain-zero"),
        pytest.param({"OS": "centos", "Operating System": "debian"}, "operating_system", "debian", id="os"),
        pytest.param({"B": "1", "Backups": "9"}, "backups_count", 9, id="backups"),
        pytest.param({"S": "1", "Snapshots": "9"}, "snapshots_count", 9, id="snapshots"),
        pytest.param({"CPU Cores": "8", "CPU": "many"}, "cpu_cores", 8, id="overridden-legacy-not-read"),
        pytest.param({"CPU Cores": "", "CPU": "2"}, "cpu_cores", 2, id="empty-plain-leaves-legacy"),
    ],
)
def test_the_plain_name_beats_the_legacy_one(options: dict[str, object], field: str, value: object) -> None:
    assert getattr(resolve_resources(DEFAULTS, options), field) == value


@pytest.mark.parametrize(
    ("name", "raw", "field", "value"),
    [
        pytest.param("RAM", "2048|2 GB", "ram_mb", 2048, id="whole-dropdown-text"),
        pytest.param("RAM", " 4096 | 4 GB ", "ram_mb", 4096, id="spaces-around-both-parts"),
        pytest.param("RAM", 8192, "ram_mb", 8192, id="int"),
        pytest.param("CPU Cores", "2|2 cores|fast", "cpu_cores", 2, id="more-bars-in-the-label"),
        pytest.param("Additional Disk", "0|None (removes the disk)", "additional_disk_gb", 0, id="zero"),
        pytest.param("Operating System", "debian-12|Debian 12", "operating_system", "debian-12", id="os"),
        pytest.param("Operating System", 7, "operating_system", "7", id="os-number"),
        pytest.param("System Disk", "080", "system_disk_gb", 80, id="leading-zero"),
    ],
)
def test_values_are_read_as_whmcs_sends_them(name: str, raw: object, field: str, value: object) -> None:
    assert getattr(resolve_resources(DEFAULTS, {name: raw}), field) == value


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"RAM": ""}, id="empty-string"),
        pytest.param({"RAM": None}, id="none"),
        pytest.param({"RAM": "   "}, id="blank"),
        pytest.param({"Promo Banner": ""}, id="unknown-name-without-value"),
        pytest.param({"Promo Banner": None}, id="unknown-name-none"),
        pytest.param({}, id="no-options"),
    ],
)
def test_empty_values_leave_the_defaults(options: dict[str, object]) -> None:
    assert resolve_resources(DEFAULTS, options) == DEFAULTS


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        pytest.param("Promo Banner", "1", 'Option "Promo Banner" is not one of ours', id="unknown"),
        pytest.param("cpu cores", "2", 'Did you mean "CPU Cores"?', id="plain-name-in-other-case"),
        pytest.param("RAM", "2 GB", 'Option "RAM": "2 GB" is not a whole number of MB.', id="unit-in-value"),
        pytest.param("CPU Cores", "abc", 'Option "CPU Cores": "abc" is not a whole number of cores.', id="abc"),
        pytest.param("CPU Cores", "1.5", '"1.5" is not a whole number of cores.', id="fraction"),
        pytest.param("CPU Cores", 1.5, "1.5 is not a whole number of cores.", id="float"),
        pytest.param("CPU Cores", True, "True is not a whole number of cores.", id="bool"),
        pytest.param("Backups", ["1"], "['1'] is not a whole number of backups.", id="list"),
        pytest.param("RAM", "|2 GB", 'Option "RAM": "|2 GB" has no value before the "|".', id="label-only"),
        pytest.param("Operating System", "|Debian", 'has no value before the "|".', id="os-label-only"),
        pytest.param("OS", "deb\nian", "is not an operating system name.", id="os-line-break"),
        pytest.param("OS", 1.0, "1.0 is not an operating system name.", id="os-float"),
    ],
)
def test_unknown_names_and_malformed_values_are_refused_and_named(name: str, raw: object, message: str) -> None:
    with pytest.raises(OptionError) as raised:
        resolve_resources(DEFAULTS, {name: raw})

    assert [option for option, _ in raised.value.problems] == [name]
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("name", "raw", "bounds"),
    [
        pytest.param("CPU Cores", "-1", "1 to 512 cores", id="cores-negative"),
        pytest.param("CPU Cores", "0", "1 to 512 cores", id="cores-zero"),
        pytest.param("CPU Cores", "513", "1 to 512 cores", id="cores-too-many"),
        pytest.param("RAM", "15", "16 to 16777216 MB", id="ram-too-small"),
        pytest.param("RAM", "16777217", "16 to 16777216 MB", id="ram-over-16-tb"),
        pytest.param("System Disk", "0", "1 to 65536 GB", id="system-disk-zero"),
        pytest.param("System Disk", "65537", "1 to 65536 GB", id="system-disk-too-big"),
        pytest.param("Additional Disk", "-1", "0 to 65536 GB", id="additional-disk-negative"),
        pytest.param("Additional Disk", "65537", "0 to 65536 GB", id="additional-disk-too-big"),
        pytest.param("System Disk Read IOPS", "-1", "0 to 2147483647 IOPS", id="iops-negative"),
        pytest.param("Network Bandwidth", "-5", "0 to 2147483647 MB/s", id="bandwidth-negative"),
        pytest.param("Network Bandwidth", str(2**31), "0 to 2147483647 MB/s", id="bandwidth-beyond-a-db-int"),
        pytest.param("IPv4 Addresses", "257", "0 to 256 addresses", id="ipv4-too-many"),
        pytest.param("ipv6", "-1", "0 to 256 addresses", id="ipv6-negative"),
        pytest.param("Backups", "101", "0 to 100 backups", id="backups-too-many"),
        pytest.param("S", "101", "0 to 100 snapshots", id="snapshots-too-many"),
    ],
)
def test_out_of_range_values_are_refused_with_their_bounds(name: str, raw: str, bounds: str) -> None:
    with pytest.raises(OptionError) as raised:
        resolve_resources(DEFAULTS, {name: raw})

    assert raised.value.problems == [(name, f'Option "{name}": "{raw}" is out of range: it must be {bounds}.')]


def test_every_problem_is_reported_together() -> None:
    options = {
        "RAM": "2 GB",
        "Promo Banner": "yes",
        "CPU Cores": "1.5",
        "Backups": "-1",
        "System Disk": "40",
        "cpu": "2",
    }

    with pytest.raises(OptionError) as raised:
        resolve_resources(DEFAULTS, options)

    assert [option for option, _ in raised.value.problems] == ["Promo Banner", "CPU Cores", "RAM", "Backups"]
    assert isinstance(raised.value, ValueError)
    for _, message in raised.value.problems:
        assert message in str(raised.value)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"CPU": "2", "cpu": "4"}, id="legacy-in-two-cases"),
        pytest.param({"RAM": "1024", " RAM ": "2048"}, id="plain-with-and-without-spaces"),
    ],
)
def test_an_option_given_twice_in_the_same_form_is_refused(options: dict[str, object]) -> None:
    with pytest.raises(OptionError, match="is given more than once"):
        resolve_resources(DEFAULTS, options)


@pytest.mark.parametrize(
    ("ipv4", "ipv6", "dhcp"),
    [
        pytest.param(1, 0, False, id="ipv4-only"),
        pytest.param(0, 1, False, id="ipv6-only"),
        pytest.param(2, 3, False, id="dual-stack"),
        pytest.param(0, 0, True, id="dhcp-without-addresses"),
    ],
)
def test_addressing_with_an_address_or_dhcp_is_valid(ipv4: int, ipv6: int, dhcp: bool) -> None:
    resources = dataclasses.replace(DEFAULTS, ipv4_count=ipv4, ipv6_count=ipv6)
    try:
        validate_addressing(resources, dhcp=dhcp)
    except OptionError as refused:
        pytest.fail(f"valid addressing ({ipv4} IPv4, {ipv6} IPv6, DHCP {dhcp}) refused: {refused}")


def test_addressing_without_any_address_or_dhcp_is_refused() -> None:
    resources = resolve_resources(DEFAULTS, {"IPv4 Addresses": "0|No IPv4"})

    with pytest.raises(OptionError, match="needs at least one address unless its plan uses DHCP"):
        validate_addressing(resources, dhcp=False)


@pytest.mark.parametrize(
    ("current", "new", "smaller"),
    [
        pytest.param((20, 50), (20, 50), [], id="same"),
        pytest.param((20, 50), (40, 100), [], id="grow"),
        pytest.param((40, 50), (20, 50), ["system_disk_gb"], id="system-disk-shrinks"),
        pytest.param((20, 100), (20, 50), ["additional_disk_gb"], id="additional-disk-shrinks"),
        pytest.param((40, 100), (20, 50), ["system_disk_gb", "additional_disk_gb"], id="both-shrink"),
        pytest.param((20, 100), (20, 0), [], id="additional-disk-deleted-is-no-shrink"),
        pytest.param((20, 0), (20, 10), [], id="additional-disk-created"),
    ],
)
def test_shrinks_names_the_disks_that_would_get_smaller(
    current: tuple[int, int], new: tuple[int, int], smaller: list[str]
) -> None:
    def sized(sizes: tuple[int, int]) -> Resources:
        return dataclasses.replace(DEFAULTS, system_disk_gb=sizes[0], additional_disk_gb=sizes[1])

    assert shrinks(sized(current), sized(new)) == smaller


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("cpu_cores", 0, id="no-cores"),
        pytest.param("ram_mb", 8, id="too-little-ram"),
        pytest.param("system_disk_gb", 0, id="no-system-disk"),
        pytest.param("backups_count", 101, id="too-many-backups"),
        pytest.param("ipv4_count", True, id="bool"),
        pytest.param("network_mbps", 12.5, id="float"),
        pytest.param("operating_system", "", id="empty-os-name"),
    ],
)
def test_resources_out_of_bounds_cannot_exist(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(DEFAULTS, **{field: value})
