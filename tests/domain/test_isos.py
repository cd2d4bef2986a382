"""ISO grouping: the text before the first dash names the group; no such text puts the image in OTHER."""

import pytest

from proxvps.domain.isos import OTHER, file_name, group_isos, iso_group


@pytest.mark.parametrize(
    ("name", "group"),
    [
        pytest.param("Debian-12.5.0-amd64-netinst.iso", "Debian", id="seed-debian"),
        pytest.param("Ubuntu-22.04.4-live-server-amd64.iso", "Ubuntu", id="seed-ubuntu"),
        pytest.param("proxmox-ve_8.1-2.iso", "proxmox", id="first-dash-wins"),
        pytest.param("myfile.iso", OTHER, id="no-dash"),
        pytest.param("-rescue.iso", OTHER, id="leading-dash"),
        pytest.param(" -rescue.iso", OTHER, id="blank-before-dash"),
        pytest.param("windows_server_2022.iso", OTHER, id="underscore-is-no-dash"),
        pytest.param("local:iso/Debian-12.iso", "Debian", id="volume-id"),
        pytest.param("nfs.iso:iso/Alma-9.iso", "Alma", id="volume-id-with-dotted-storage"),
        pytest.param("local:iso/plain.iso", OTHER, id="volume-id-no-dash"),
        pytest.param("local:iso/my-storage-name.iso", "my", id="dash-in-name-only"),
        pytest.param("debian-13.iso", "debian", id="spelling-kept"),
    ],
)
def test_iso_group_is_the_text_before_the_first_dash(name: str, group: str) -> None:
    assert iso_group(name) == group


@pytest.mark.parametrize(
    ("volid", "name"),
    [
        pytest.param("local:iso/Debian-12.iso", "Debian-12.iso", id="volume-id"),
        pytest.param("Debian-12.iso", "Debian-12.iso", id="bare-name"),
        pytest.param("cephfs:iso/sub/x.iso", "x.iso", id="sub-folder"),
    ],
)
def test_file_name_of_a_volume_id(volid: str, name: str) -> None:
    assert file_name(volid) == name


def test_groups_are_alphabetical_with_other_last_and_their_images_sorted() -> None:
    names = [
        "myfile.iso",
        "Ubuntu-24.04-live-server-amd64.iso",
        "Debian-12.5.0-amd64-netinst.iso",
        "proxmox-ve_8.1-2.iso",
        "Ubuntu-22.04.4-live-server-amd64.iso",
        "alpine.iso",
        "debian-13.iso",
    ]

    grouped = group_isos(names, name=str)

    assert grouped == {
        "Debian": ["Debian-12.5.0-amd64-netinst.iso"],
        "debian": ["debian-13.iso"],
        "proxmox": ["proxmox-ve_8.1-2.iso"],
        "Ubuntu": ["Ubuntu-22.04.4-live-server-amd64.iso", "Ubuntu-24.04-live-server-amd64.iso"],
        OTHER: ["alpine.iso", "myfile.iso"],
    }
    assert list(grouped)[-1] == OTHER


def test_grouping_keeps_the_items_it_is_given() -> None:
    volumes = [("local:iso/Debian-12.iso", 1), ("local:iso/zz.iso", 2)]

    grouped = group_isos(volumes, name=lambda item: item[0])

    assert grouped == {"Debian": [("local:iso/Debian-12.iso", 1)], OTHER: [("local:iso/zz.iso", 2)]}


def test_no_images_give_no_groups() -> None:
    assert group_isos([], name=str) == {}
