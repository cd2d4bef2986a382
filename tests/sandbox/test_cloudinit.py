"""The cloud-init password as PVE guards it: masked in config and pending answers, readable only through the sandbox's
own inspection call."""

from proxvps.sandbox.cloudinit import MASK


def _clone(sandbox_api) -> str:
    sandbox_api.task("POST", "/nodes/pve1/qemu/9000/clone", {"newid": 100, "name": "web"})
    return "/nodes/pve1/qemu/100"


def test_a_config_answer_masks_the_password_the_guest_gets_in_clear(sandbox, sandbox_api):
    vm = _clone(sandbox_api)
    sandbox_api.data("PUT", f"{vm}/config", {"ciuser": "root", "cipassword": "Correct-Horse-7"})

    config = sandbox_api.get(f"{vm}/config")

    assert config["cipassword"] == MASK
    assert config["ciuser"] == "root"
    assert "Correct-Horse-7" not in str(sandbox_api.get(f"{vm}/pending"))
    assert {item["key"]: item.get("value") for item in sandbox_api.get(f"{vm}/pending")}["cipassword"] == MASK
    guest = sandbox.guest_cloudinit(100)
    assert guest is not None
    assert (guest.user, guest.password, guest.hostname) == ("root", "Correct-Horse-7", "web")


def test_a_pending_password_of_a_running_vm_is_masked_too(sandbox, sandbox_api):
    vm = _clone(sandbox_api)
    sandbox_api.task("POST", f"{vm}/status/start")
    sandbox_api.data("PUT", f"{vm}/config", {"cipassword": "Battery-Staple-9"})

    pending = {item["key"]: item for item in sandbox_api.get(f"{vm}/pending")}

    assert "Battery-Staple-9" not in str(pending)
    assert MASK in (pending["cipassword"].get("pending"), pending["cipassword"].get("value"))


def test_a_vm_without_a_cloud_init_drive_has_no_guest_cloud_init(sandbox, sandbox_api):
    sandbox_api.task("POST", "/nodes/pve1/qemu/9010/clone", {"newid": 101, "name": "plain"})

    assert sandbox.guest_cloudinit(101) is None
