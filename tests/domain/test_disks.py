"""Disk detection, new-disk keys and formats, and I/O limits (SPEC S14, the seed's v3.3.1 fixes)."""

from typing import Any

import pytest
from fakepve import schema

from proxvps.domain.disks import (
    DISK_FORMATS,
    DriveKey,
    SystemDisk,
    boot_order_with,
    cdrom_key,
    disk_format,
    find_system_disk,
    free_drive_key,
    io_limit_options,
    is_cdrom,
    is_cloudinit,
    is_data_disk,
    is_drive_key,
    with_io_limits,
)
from proxvps.domain.drives import PropertyString

QEMU_CONFIG = schema.load().paths["/nodes/{node}/qemu/{vmid}/config"]["POST"]["parameters"]

DISK = "local-lvm:vm-100-disk-0,iothread=1,size=32G"
DISK_2 = "local-lvm:vm-100-disk-1,size=10G"
CDROM = "local:iso/debian-12.iso,media=cdrom"
EMPTY_CDROM = "none,media=cdrom"
CLOUDINIT = "local-lvm:vm-100-cloudinit,media=cdrom"
NIC = "virtio=BC:24:11:00:00:01,bridge=vmbr0"


@pytest.mark.parametrize(
    ("config", "key"),
    [
        pytest.param({"boot": "order=scsi0;ide2;net0", "scsi0": DISK, "ide2": CDROM, "net0": NIC}, "scsi0", id="scsi"),
        pytest.param({"boot": "order=sata0;net0", "sata0": DISK, "net0": NIC}, "sata0", id="sata"),
        pytest.param({"boot": "order=ide0;ide2", "ide0": DISK, "ide2": CDROM}, "ide0", id="ide"),
        pytest.param({"boot": "order=virtio0", "virtio0": DISK}, "virtio0", id="virtio"),
        pytest.param({"bootdisk": "scsi0", "scsi0": DISK, "ide2": CDROM}, "scsi0", id="legacy-bootdisk"),
        pytest.param(
            {"bootdisk": "virtio0", "ide0": DISK_2, "virtio0": DISK},
            "virtio0",
            id="legacy-bootdisk-beats-bus-order",
        ),
        pytest.param(
            {"boot": "cdn", "bootdisk": "virtio0", "ide0": DISK_2, "virtio0": DISK, "ide2": CDROM},
            "virtio0",
            id="legacy-cdn-with-bootdisk",
        ),
        pytest.param({"boot": "cdn", "ide2": CDROM, "scsi0": DISK}, "scsi0", id="legacy-cdn-without-bootdisk"),
        pytest.param({"boot": "order=ide2;scsi0", "ide2": CDROM, "scsi0": DISK}, "scsi0", id="cdrom-first"),
        pytest.param({"boot": "order=ide2; scsi0", "ide2": CDROM, "scsi0": DISK}, "scsi0", id="cdrom-first-spaced"),
        pytest.param(
            {"boot": "order=ide2;net0;virtio0", "ide2": EMPTY_CDROM, "net0": NIC, "virtio0": DISK},
            "virtio0",
            id="cdrom-net-then-virtio",
        ),
        pytest.param(
            {"boot": "order=scsi1;scsi2", "scsi1": CLOUDINIT, "scsi2": DISK},
            "scsi2",
            id="cloudinit-first-in-order",
        ),
        pytest.param({"scsi1": CLOUDINIT, "virtio0": DISK}, "virtio0", id="cloudinit-on-scsi1-no-boot-line"),
        pytest.param({"scsi0": DISK, "ide2": CDROM, "net0": NIC}, "scsi0", id="no-boot-line"),
        pytest.param({"scsi0": DISK_2, "sata0": DISK}, "sata0", id="no-boot-line-bus-order"),
        pytest.param({"scsi10": DISK_2, "scsi2": DISK}, "scsi2", id="scsi2-before-scsi10"),
        pytest.param({"boot": "order=scsi0;virtio0", "virtio0": DISK}, "virtio0", id="order-names-missing-key"),
        pytest.param({"boot": "order=net0", "net0": NIC, "scsi0": DISK}, "scsi0", id="order-without-disk"),
        pytest.param(
            {
                "boot": "order=scsi0",
                "efidisk0": "local-lvm:vm-100-disk-1,efitype=4m",
                "tpmstate0": "local-lvm:vm-100-disk-2",
                "scsi0": DISK,
            },
            "scsi0",
            id="efi-and-tpm-are-not-the-system-disk",
        ),
        pytest.param({"scsi0": "none", "scsi1": DISK}, "scsi1", id="empty-drive-skipped"),
        pytest.param({"scsi0": "local:1,,size=,x", "scsi1": DISK}, "scsi1", id="unreadable-drive-skipped"),
        pytest.param({"boot": "order=,=", "scsi0": DISK}, "scsi0", id="unreadable-boot-line"),
        pytest.param(
            {"cores": 2, "memory": "2048", "unused0": "local-lvm:vm-100-disk-9", "ide3": DISK},
            "ide3",
            id="other-keys-ignored",
        ),
    ],
)
def test_find_system_disk_finds_the_disk_the_vm_boots_from(config: dict[str, object], key: str) -> None:
    disk = find_system_disk(config)
    assert disk is not None
    assert disk.key == key


@pytest.mark.parametrize(
    "config",
    [
        pytest.param({"boot": "order=ide2", "ide2": CDROM}, id="only-a-cdrom"),
        pytest.param({"ide2": CLOUDINIT, "ide0": EMPTY_CDROM}, id="cloudinit-and-empty-cdrom"),
        pytest.param({"efidisk0": "local-lvm:vm-100-disk-0,efitype=4m", "net0": NIC}, id="only-efi"),
        pytest.param({"scsi0": "none"}, id="empty-drive"),
        pytest.param({"bootdisk": "scsi0"}, id="bootdisk-names-missing-key"),
        pytest.param({}, id="empty-config"),
    ],
)
def test_find_system_disk_gives_none_when_there_is_no_data_disk(config: dict[str, object]) -> None:
    assert find_system_disk(config) is None


@pytest.mark.parametrize(
    ("drive", "expected"),
    [
        pytest.param(
            "local-lvm:vm-100-disk-0,iothread=1,size=32G",
            SystemDisk("scsi0", "local-lvm:vm-100-disk-0", "local-lvm", PropertyString.parse(DISK), 32 * 1024**3),
            id="block-storage",
        ),
        pytest.param(
            "nfs.qcow2:100/vm-100-disk-0.qcow2",
            SystemDisk(
                "scsi0",
                "nfs.qcow2:100/vm-100-disk-0.qcow2",
                "nfs.qcow2",
                PropertyString("nfs.qcow2:100/vm-100-disk-0.qcow2"),
                None,
            ),
            id="dotted-storage-no-size",
        ),
        pytest.param(
            "file=local:100/vm-100-disk-0.raw,size=8G",
            SystemDisk(
                "scsi0",
                "local:100/vm-100-disk-0.raw",
                "local",
                PropertyString(None, (("file", "local:100/vm-100-disk-0.raw"), ("size", "8G"))),
                8 * 1024**3,
            ),
            id="volume-in-file-option",
        ),
        pytest.param(
            "/dev/disk/by-path/pci-0000:00:1f.2-ata-1,size=100G",
            SystemDisk(
                "scsi0",
                "/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
                None,
                PropertyString.parse("/dev/disk/by-path/pci-0000:00:1f.2-ata-1,size=100G"),
                100 * 1024**3,
            ),
            id="passed-through-device",
        ),
        pytest.param(
            "local-lvm:vm-100-disk-0,size=huge",
            SystemDisk(
                "scsi0",
                "local-lvm:vm-100-disk-0",
                "local-lvm",
                PropertyString.parse("local-lvm:vm-100-disk-0,size=huge"),
                None,
            ),
            id="unreadable-size",
        ),
    ],
)
def test_system_disk_carries_volume_storage_options_and_size(drive: str, expected: SystemDisk) -> None:
    assert find_system_disk({"scsi0": drive}) == expected


@pytest.mark.parametrize(
    ("drive", "cdrom", "cloudinit", "data"),
    [
        pytest.param(CDROM, True, False, False, id="iso"),
        pytest.param(EMPTY_CDROM, True, False, False, id="empty-tray"),
        pytest.param("cdrom,media=cdrom", True, False, False, id="host-drive"),
        pytest.param("cdrom", True, False, False, id="host-drive-no-media"),
        pytest.param(CLOUDINIT, False, True, False, id="cloudinit"),
        pytest.param("local:100/vm-100-cloudinit.qcow2,media=cdrom", False, True, False, id="cloudinit-file"),
        pytest.param("local-lvm:cloudinit", False, True, False, id="cloudinit-to-create"),
        pytest.param(DISK, False, False, True, id="disk"),
        pytest.param("local:100/my-cloudinit-notes.raw,size=1G", False, False, True, id="name-mentions-cloudinit"),
        pytest.param("none", False, False, False, id="none"),
        pytest.param("size=1G", False, False, False, id="no-volume"),
    ],
)
def test_drive_kinds(drive: str, cdrom: bool, cloudinit: bool, data: bool) -> None:
    parsed = PropertyString.parse(drive)
    assert (is_cdrom(parsed), is_cloudinit(parsed), is_data_disk(parsed)) == (cdrom, cloudinit, data)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("ide0", DriveKey("ide", 0), id="ide0"),
        pytest.param("ide3", DriveKey("ide", 3), id="ide3"),
        pytest.param("ide4", None, id="ide4"),
        pytest.param("sata5", DriveKey("sata", 5), id="sata5"),
        pytest.param("sata6", None, id="sata6"),
        pytest.param("scsi30", DriveKey("scsi", 30), id="scsi30"),
        pytest.param("scsi31", None, id="scsi31"),
        pytest.param("virtio15", DriveKey("virtio", 15), id="virtio15"),
        pytest.param("virtio16", None, id="virtio16"),
        pytest.param("scsi01", None, id="leading-zero"),
        pytest.param("SCSI0", None, id="upper-case"),
        pytest.param("efidisk0", None, id="efidisk0"),
        pytest.param("net0", None, id="net0"),
        pytest.param("unused0", None, id="unused0"),
        pytest.param("scsi", None, id="no-number"),
    ],
)
def test_drive_key_parse_knows_pve_bus_limits(key: str, expected: DriveKey | None) -> None:
    assert DriveKey.parse(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("scsi0", True),
        ("virtio15", True),
        ("efidisk0", True),
        ("tpmstate0", True),
        ("efidisk1", False),
        ("net0", False),
        ("ipconfig0", False),
    ],
)
def test_is_drive_key(key: str, expected: bool) -> None:
    assert is_drive_key(key) is expected


def test_drive_key_refuses_an_index_outside_the_bus() -> None:
    with pytest.raises(ValueError, match="ide takes drives 0 to 3"):
        DriveKey("ide", 4)


@pytest.mark.parametrize(
    ("taken", "bus", "expected"),
    [
        pytest.param({"scsi0", "scsi1"}, "scsi", "scsi2", id="next"),
        pytest.param({"scsi0", "scsi2"}, "scsi", "scsi1", id="gap"),
        pytest.param({"scsi0", "ide2"}, "virtio", "virtio0", id="empty-bus"),
        pytest.param({"ide0", "ide1", "ide2", "ide3"}, "ide", None, id="ide-full"),
        pytest.param({f"sata{n}" for n in range(6)}, "sata", None, id="sata-full"),
        pytest.param({f"scsi{n}" for n in range(31)}, "scsi", None, id="scsi-full"),
        pytest.param({f"scsi{n}" for n in range(30)}, "scsi", "scsi30", id="scsi-last"),
        pytest.param({f"virtio{n}" for n in range(16)}, "virtio", None, id="virtio-full"),
    ],
)
def test_free_drive_key_gives_the_lowest_free_key_within_the_bus(
    taken: set[str], bus: str, expected: str | None
) -> None:
    assert free_drive_key(dict.fromkeys(taken, DISK), bus) == expected


def test_free_drive_key_refuses_an_unknown_bus() -> None:
    with pytest.raises(ValueError, match="unknown disk bus 'nvme'"):
        free_drive_key({}, "nvme")


@pytest.mark.parametrize(
    ("volume_id", "expected"),
    [
        pytest.param("local-lvm:vm-100-disk-0", "raw", id="block-storage"),
        pytest.param("local:100/vm-100-disk-0.qcow2", "qcow2", id="directory-qcow2"),
        pytest.param("local:100/vm-100-disk-0.raw", "raw", id="directory-raw"),
        pytest.param("local:100/vm-100-disk-0.vmdk", "vmdk", id="vmdk"),
        pytest.param("local:100/vm-100-disk-0.qed", "qed", id="qed"),
        pytest.param("fast.ssd:vm-100-disk-0", "raw", id="dotted-storage-no-extension"),
        pytest.param("nfs.qcow2:100/vm-100-disk-0.qcow2", "qcow2", id="dotted-storage-path-style"),
        pytest.param("nfs.qcow2:101/vm-101-disk-0", "raw", id="dotted-storage-path-style-no-extension"),
        pytest.param("qgqcow2/101/vm-101-disk-0", "raw", id="seed-failing-volume"),
        pytest.param("local:100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2", "qcow2", id="linked-clone"),
        pytest.param("ceph.rbd:base-100-disk-0/vm-101-disk-0", "raw", id="linked-clone-block"),
        pytest.param("local:100/vm-100-disk-0.img", "raw", id="unknown-img"),
        pytest.param("local:iso/debian.iso", "raw", id="unknown-iso"),
        pytest.param("local:100/vm-100-disk-0.", "raw", id="trailing-dot"),
        pytest.param("/dev/sdb", "raw", id="device-path"),
    ],
)
def test_disk_format_reads_only_the_trailing_extension(volume_id: str, expected: str) -> None:
    assert disk_format(volume_id) == expected


@pytest.mark.parametrize("drive", ["scsi[n]", "sata[n]", "ide[n]", "virtio[n]"])
def test_disk_formats_are_exactly_pves_format_enum(drive: str) -> None:
    assert set(DISK_FORMATS) == set(QEMU_CONFIG["properties"][drive]["format"]["format"]["enum"])


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        pytest.param((0, 0, 0, 0), {}, id="all-zero-means-no-call"),
        pytest.param((0.0, 0.0, 0, 0), {}, id="all-zero-floats"),
        pytest.param(
            (100, 50, 2000, 1000),
            {"mbps_rd": "100", "mbps_wr": "50", "iops_rd": "2000", "iops_wr": "1000"},
            id="all-four",
        ),
        pytest.param((12.5, 0, 0, 300), {"mbps_rd": "12.5", "iops_wr": "300"}, id="zero-ones-left-out"),
        pytest.param((0, 0, 10.0, 0), {"iops_rd": "10"}, id="whole-float-iops"),
    ],
)
def test_io_limit_options_use_pve_names_and_skip_zero(
    limits: tuple[float, float, int, int], expected: dict[str, str]
) -> None:
    read_mbps, write_mbps, read_iops, write_iops = limits
    assert (
        io_limit_options(read_mbps=read_mbps, write_mbps=write_mbps, read_iops=read_iops, write_iops=write_iops)
        == expected
    )


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        pytest.param((-1, 0, 0, 0), "mbps_rd must be a finite number of at least 0", id="negative-read-mbps"),
        pytest.param((0, -0.5, 0, 0), "mbps_wr must be", id="negative-write-mbps"),
        pytest.param((0, 0, -10, 0), "iops_rd must be", id="negative-read-iops"),
        pytest.param((0, 0, 0, -1), "iops_wr must be", id="negative-write-iops"),
        pytest.param((float("nan"), 0, 0, 0), "mbps_rd must be", id="nan"),
        pytest.param((0, float("inf"), 0, 0), "mbps_wr must be", id="infinity"),
        pytest.param((0, 0, 1.5, 0), "iops_rd must be a whole number", id="fractional-iops"),
    ],
)
def test_io_limit_options_refuse_impossible_limits(limits: tuple[Any, Any, Any, Any], message: str) -> None:
    read_mbps, write_mbps, read_iops, write_iops = limits
    with pytest.raises(ValueError, match=message):
        io_limit_options(read_mbps=read_mbps, write_mbps=write_mbps, read_iops=read_iops, write_iops=write_iops)


@pytest.mark.parametrize(
    ("drive", "limits", "expected"),
    [
        pytest.param(
            "local-lvm:vm-100-disk-0,iothread=1,size=32G",
            (100, 50, 0, 0),
            "local-lvm:vm-100-disk-0,iothread=1,size=32G,mbps_rd=100,mbps_wr=50",
            id="added",
        ),
        pytest.param(
            "local-lvm:vm-100-disk-0,mbps_rd=10,discard=on,iops_wr=5,size=32G",
            (20, 0, 0, 600),
            "local-lvm:vm-100-disk-0,mbps_rd=20,discard=on,iops_wr=600,size=32G",
            id="replaced-in-place",
        ),
        pytest.param(
            "local-lvm:vm-100-disk-0,mbps_rd=10,mbps_wr=10,iops_rd=5,iops_wr=5,ssd=1,size=32G",
            (0, 0, 0, 0),
            "local-lvm:vm-100-disk-0,ssd=1,size=32G",
            id="zero-removes-the-limit",
        ),
    ],
)
def test_with_io_limits_keeps_every_other_option(
    drive: str, limits: tuple[float, float, int, int], expected: str
) -> None:
    read_mbps, write_mbps, read_iops, write_iops = limits
    changed = with_io_limits(
        PropertyString.parse(drive),
        read_mbps=read_mbps,
        write_mbps=write_mbps,
        read_iops=read_iops,
        write_iops=write_iops,
    )
    assert changed.render() == expected


def test_disk_requests_built_here_pass_the_pve_schema() -> None:
    system = find_system_disk({"boot": "order=ide2;scsi0", "ide2": CDROM, "scsi0": DISK})
    assert system is not None
    limited = with_io_limits(system.options, read_mbps=12.5, write_mbps=50, read_iops=2000, write_iops=0)
    new_disk = PropertyString.of("fast.ssd:20", format=disk_format("fast.ssd:vm-100-disk-0"), iothread=True)
    values = {"node": "pve1", "vmid": "100", system.key: limited.render(), "scsi1": new_disk.render()}
    _, errors = schema.validate(QEMU_CONFIG, values)
    assert errors == {}


@pytest.mark.parametrize(
    ("config", "key"),
    [
        pytest.param({"scsi0": DISK, "ide2": CLOUDINIT}, "ide0", id="cloudinit-on-ide2-first-free-ide"),
        pytest.param({"scsi0": DISK}, "ide2", id="ide2-when-free"),
        pytest.param({"scsi0": DISK, "ide0": EMPTY_CDROM, "ide2": CLOUDINIT}, "ide0", id="empty-tray"),
        pytest.param({"scsi0": DISK, "sata1": CDROM, "ide2": CLOUDINIT}, "sata1", id="existing-cdrom-any-bus"),
        pytest.param({"ide0": DISK, "ide2": CLOUDINIT}, "ide1", id="ide-system-disk"),
        pytest.param({"ide0": DISK, "ide1": DISK_2, "ide2": CLOUDINIT, "ide3": DISK_2}, None, id="ide-full"),
    ],
)
def test_cdrom_key_is_the_cdrom_drive_or_a_free_ide_slot(config: dict[str, object], key: str | None) -> None:
    assert cdrom_key(config) == key


@pytest.mark.parametrize(
    ("boot", "key", "expected"),
    [
        pytest.param("order=scsi0", "ide0", "order=scsi0;ide0", id="appended-after-the-disk"),
        pytest.param("order=scsi0;net0", "ide2", "order=scsi0;net0;ide2", id="after-the-network"),
        pytest.param("order=scsi0;ide0", "ide0", None, id="listed-already"),
        pytest.param("order=ide2;scsi0", "ide2", None, id="cdrom-first-left-alone"),
        pytest.param("cdn", "ide2", None, id="legacy-letters"),
        pytest.param(None, "ide2", None, id="no-boot-line"),
    ],
)
def test_boot_order_with_keeps_the_disk_first(boot: str | None, key: str, expected: str | None) -> None:
    config: dict[str, object] = {"scsi0": DISK}
    if boot is not None:
        config["boot"] = boot
    assert boot_order_with(config, key) == expected
