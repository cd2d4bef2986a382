"""Reading the cluster: version, free VMIDs, resources, nodes, storages and their content."""

from __future__ import annotations

import pytest

from proxvps.proxmox import NodeResource, ProxmoxApiError, StorageResource, VmResource


def test_the_version_names_pve_9(client):
    assert client.version().version.startswith("9.")


def test_nextid_skips_ids_that_are_taken(client):
    first = client.nextid()
    client.task_result(client.clone("pve1", 9000, first, "taken"))

    assert client.nextid() != first
    assert client.nextid(first + 1000) == first + 1000
    with pytest.raises(ProxmoxApiError) as caught:
        client.nextid(first)
    assert caught.value.status == 400


def test_cluster_resources_are_typed_by_kind(client):
    resources = client.cluster_resources()

    vms = {r.vmid: r for r in resources if isinstance(r, VmResource)}
    nodes = {r.node for r in resources if isinstance(r, NodeResource)}
    storages = {(r.node, r.storage) for r in resources if isinstance(r, StorageResource)}
    assert vms[9000].template
    assert vms[9000].node == "pve1"
    assert not vms[9009].template
    assert nodes == {"pve1", "pve2", "pve3"}
    assert ("pve2", "local-lvm") in storages


def test_cluster_resources_can_be_limited_to_one_kind(client):
    assert all(isinstance(r, NodeResource) for r in client.cluster_resources("node"))
    assert all(isinstance(r, StorageResource) for r in client.cluster_resources("storage"))


def test_find_vm_says_where_a_vm_is_or_that_there_is_none(client):
    found = client.find_vm(9009)

    assert found is not None
    assert (found.node, found.kind) == ("pve1", "qemu")
    assert client.find_vm(999_999) is None


def test_nodes_and_node_status_give_memory_for_placement(client):
    nodes = client.nodes()
    status = client.node_status("pve2")

    assert [n.node for n in nodes] == ["pve1", "pve2", "pve3"]
    assert all(n.online for n in nodes)
    assert status.memory_total
    assert status.memory_total > 0


def test_storages_give_space_sharing_and_content(client):
    storages = {s.storage: s for s in client.storages("pve1")}

    lvm = storages["local-lvm"]
    assert "images" in lvm.content
    assert lvm.active
    assert not lvm.shared
    assert lvm.total is not None
    assert lvm.avail is not None
    assert lvm.used is not None
    assert storages["nfs.qcow2"].shared
    assert "local-lvm" not in {s.storage for s in client.storages("pve1", content="iso")}


def test_storage_content_lists_isos_and_filters_by_vmid(client):
    isos = client.storage_content("pve1", "local", content="iso")

    assert isos
    assert all(v.content == "iso" and v.volid.startswith("local:iso/") for v in isos)
    template_disks = client.storage_content("pve1", "local-lvm", vmid=9000)
    assert template_disks
    assert all(v.vmid == 9000 for v in template_disks)
