"""The sandbox cluster as a whole: nodes, their RAM, offline nodes, the seed and the answer log."""

SCHEMA_ERROR = "property is not defined in schema"


def test_cluster_resources_list_three_online_nodes(sandbox_api):
    nodes = sandbox_api.get("/cluster/resources", {"type": "node"})

    assert [(n["node"], n["status"]) for n in nodes] == [
        ("pve1", "online"),
        ("pve2", "online"),
        ("pve3", "online"),
    ]


def test_seed_has_every_template_on_pve1_and_one_plain_vm(sandbox_api):
    vms = {vm["vmid"]: vm for vm in sandbox_api.get("/nodes/pve1/qemu")}

    assert sorted(vms) == list(range(9000, 9011))
    assert [vmid for vmid, vm in vms.items() if not vm.get("template")] == [9009]
    legacy = sandbox_api.get("/nodes/pve1/qemu/9004/config")
    assert legacy["bootdisk"] == "scsi0"
    assert "boot" not in legacy


def test_template_volumes_live_on_the_template_node_only(sandbox_api):
    on_pve1 = sandbox_api.get("/nodes/pve1/storage/local-lvm/content", {"vmid": 9000})
    on_pve2 = sandbox_api.get("/nodes/pve2/storage/local-lvm/content", {"vmid": 9000})

    assert {v["volid"] for v in on_pve1} == {"local-lvm:base-9000-disk-0", "local-lvm:vm-9000-cloudinit"}
    assert on_pve2 == []


def test_starting_a_vm_takes_its_memory_from_the_node(sandbox_api):
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    sandbox_api.data("PUT", "/nodes/pve1/qemu/100/config", {"memory": 4096})
    before = sandbox_api.get("/nodes/pve1/status")["memory"]["used"]

    sandbox_api.task("POST", "/nodes/pve1/qemu/100/status/start")

    assert sandbox_api.get("/nodes/pve1/status")["memory"]["used"] == before + 4096 * 1024**2
    node = next(n for n in sandbox_api.get("/nodes") if n["node"] == "pve1")
    assert node["mem"] == before + 4096 * 1024**2


def test_node_memory_can_be_set_per_node(sandbox, sandbox_api):
    sandbox.call(lambda pve: pve.set_node_memory("pve3", 256 * 1024**3))

    maxmem = {n["node"]: n["maxmem"] for n in sandbox_api.get("/nodes")}

    assert maxmem == {"pve1": 64 * 1024**3, "pve2": 64 * 1024**3, "pve3": 256 * 1024**3}


def test_an_offline_node_shows_offline_and_its_vms_unknown(sandbox, sandbox_api):
    sandbox.call(lambda pve: pve.set_node_offline("pve1"))

    resources = sandbox_api.get("/cluster/resources")

    node = next(r for r in resources if r["id"] == "node/pve1")
    assert node["status"] == "offline"
    assert {r["status"] for r in resources if r["type"] == "qemu"} == {"unknown"}
    assert sandbox_api.request("GET", "/nodes/pve1/status").status_code == 595


def test_responses_record_each_status_and_body(sandbox, sandbox_api):
    sandbox_api.get("/version")
    sandbox_api.request("PUT", "/nodes/pve1/qemu/9009/config", {"bogus": "1"})

    responses = sandbox.call(lambda pve: list(pve.responses))

    assert ("GET", "/api2/json/version", 200) in [r[:3] for r in responses]
    refused = [r for r in responses if r[2] == 400 and SCHEMA_ERROR in r[3]]
    assert [r[:2] for r in refused] == [("PUT", "/api2/json/nodes/pve1/qemu/9009/config")]
