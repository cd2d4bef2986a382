"""ISO images against the sandbox: listed by group from the plan's ISO storage, mounted (at once in a VM's CD-ROM
drive, at the next start in a drive added to a running VM) with the disk still booting first, unmounted; an image
outside the plan's ISO storage, or one that does not exist, refused with nothing changed."""

from __future__ import annotations

import re

import pytest

from proxvps.domain import states
from proxvps.domain.disks import find_system_disk
from proxvps.inventory.connect import client_for
from proxvps.inventory.models import Plan, Server, Service
from proxvps.lifecycle.isos import list_isos, request_mount_iso, request_unmount_iso
from proxvps.lifecycle.power_actions import request_power
from proxvps.lifecycle.requests import OrderRefused
from tests.lifecycle.conftest import Recorder, drive
from tests.lifecycle.vms import config_of, database_state, deployed, status_of, writes

pytestmark = pytest.mark.django_db

DEBIAN = "local:iso/Debian-12.5.0-amd64-netinst.iso"
UBUNTU = "local:iso/Ubuntu-22.04.4-live-server-amd64.iso"
WITH_CDROM = 9006
"""A template with an empty CD-ROM drive (ide0) besides its cloud-init drive (ide2)."""


@pytest.fixture
def iso_plan(plan: Plan) -> Plan:
    plan.iso_storage = "local"
    plan.save()
    return plan


@pytest.fixture
def ready(cluster: Server, iso_plan: Plan) -> Service:
    return deployed(iso_plan)


def _run(service: Service) -> Recorder:
    recorder = drive(service)
    assert service.state == states.READY, service.last_error
    return recorder


def test_the_plans_isos_are_listed_by_group(ready: Service) -> None:
    grouped = list_isos(ready)

    assert {group: [image.name for image in images] for group, images in grouped.items()} == {
        "Debian": ["Debian-12.5.0-amd64-netinst.iso"],
        "proxmox": ["proxmox-ve_8.1-2.iso"],
        "Ubuntu": ["Ubuntu-22.04.4-live-server-amd64.iso"],
        "OTHER": ["myfile.iso"],
    }
    assert grouped["Debian"][0].volid == DEBIAN
    assert grouped["Debian"][0].size == 658 * 1024**2


def test_a_plan_without_iso_storage_lists_none(cluster: Server, plan: Plan) -> None:
    assert list_isos(deployed(plan)) == {}


def test_an_iso_goes_into_the_cdrom_drive_at_once_and_comes_out_again(cluster: Server, iso_plan: Plan) -> None:
    service = deployed(iso_plan, template_vmid=WITH_CDROM)
    boot_before = config_of(cluster, service).get("boot")

    request_mount_iso(service, DEBIAN)
    recorder = _run(service)

    config = config_of(cluster, service)
    assert config["ide0"] == f"{DEBIAN},media=cdrom"
    assert config["ide2"].endswith("cloudinit,media=cdrom"), "the cloud-init drive is untouched"
    assert config.get("boot") == boot_before, "no boot line: PVE boots its disks first"
    assert recorder.step_named("Mount ISO").note == "Debian-12.5.0-amd64-netinst.iso in ide0"
    assert status_of(cluster, service) == "running"

    request_mount_iso(service, UBUNTU)
    _run(service)
    assert config_of(cluster, service)["ide0"] == f"{UBUNTU},media=cdrom", "one image swapped for another"

    request_unmount_iso(service)
    _run(service)
    assert config_of(cluster, service)["ide0"] == "none,media=cdrom"


def test_a_cdrom_drive_added_to_a_running_vm_appears_at_its_next_start_after_the_disk(
    cluster: Server, ready: Service
) -> None:
    request_mount_iso(ready, DEBIAN)
    _run(ready)

    with client_for(cluster) as client:
        running = client.vm_config(ready.node, ready.vmid or 0)
        next_start = client.vm_next_config(ready.node, ready.vmid or 0)
    assert "ide0" not in running
    assert next_start["ide0"] == f"{DEBIAN},media=cdrom"
    assert next_start["boot"] == "order=scsi0;ide0"

    for action in ("stop", "start"):
        request_power(ready, action)
        _run(ready)

    config = config_of(cluster, ready)
    assert config["ide0"] == f"{DEBIAN},media=cdrom"
    assert config["boot"] == "order=scsi0;ide0"
    system = find_system_disk(config)
    assert system is not None
    assert system.key == "scsi0", "the system disk still boots first"


def test_an_iso_mounted_for_the_next_start_can_be_taken_out_before_it(cluster: Server, ready: Service) -> None:
    request_mount_iso(ready, DEBIAN)
    _run(ready)

    request_unmount_iso(ready)
    _run(ready)

    with client_for(cluster) as client:
        assert client.vm_next_config(ready.node, ready.vmid or 0)["ide0"] == "none,media=cdrom"


def test_mounting_the_iso_already_in_the_drive_changes_nothing(sandbox, cluster: Server, iso_plan: Plan) -> None:
    service = deployed(iso_plan, template_vmid=WITH_CDROM)
    request_mount_iso(service, DEBIAN)
    _run(service)
    sent = len(writes(sandbox))

    request_mount_iso(service, DEBIAN)
    recorder = _run(service)

    assert recorder.step_named("Mount ISO").note == "skip - already mounted"
    assert len(writes(sandbox)) == sent


def test_unmounting_with_no_iso_in_the_drive_changes_nothing(sandbox, ready: Service) -> None:
    sent = len(writes(sandbox))

    request_unmount_iso(ready)
    recorder = _run(ready)

    assert recorder.step_named("Unmount ISO").note == "skip - no ISO mounted"
    assert len(writes(sandbox)) == sent


@pytest.mark.parametrize(
    ("volid", "message"),
    [
        pytest.param(
            "local-lvm:vm-100-disk-0",
            "local-lvm:vm-100-disk-0 is not on the ISO storage local of plan VPS M.",
            id="other-storage",
        ),
        pytest.param("backup:iso/Debian-12.5.0-amd64-netinst.iso", "is not on the ISO storage local", id="lookalike"),
        pytest.param(
            "local:iso/missing.iso", "There is no ISO image missing.iso on the ISO storage local.", id="missing"
        ),
        pytest.param("local:vztmpl/debian.tar.zst", "There is no ISO image debian.tar.zst", id="not-an-iso"),
    ],
)
def test_an_iso_outside_the_plans_iso_storage_is_refused_and_nothing_changes(
    sandbox, ready: Service, volid: str, message: str
) -> None:
    before, sent = database_state(ready), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=re.escape(message)):
        request_mount_iso(ready, volid)

    assert database_state(ready) == before
    assert len(writes(sandbox)) == sent


def test_a_plan_without_iso_storage_refuses_a_mount(sandbox, cluster: Server, plan: Plan) -> None:
    service = deployed(plan)
    before, sent = database_state(service), len(writes(sandbox))

    with pytest.raises(OrderRefused, match=re.escape("Plan VPS M offers no ISO images.")):
        request_mount_iso(service, DEBIAN)

    assert database_state(service) == before
    assert len(writes(sandbox)) == sent
