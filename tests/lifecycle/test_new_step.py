"""Adding a step to an operation takes its transition and its function, nothing else: a deploy with a step the
product does not have (registered here, inserted into the deploy's table by the fixture) runs it in its place and
goes on to ready."""

from __future__ import annotations

from dataclasses import replace

import pytest

from proxvps.domain import states, transitions
from proxvps.domain.transitions import Transition
from proxvps.inventory.models import ActionLog, Plan, Server
from proxvps.lifecycle.context import StepContext
from proxvps.lifecycle.orders import order_service
from proxvps.lifecycle.outcomes import Done, Outcome
from proxvps.lifecycle.steps import step
from tests.lifecycle.conftest import drive
from tests.lifecycle.vms import config_of

DESCRIBED = "set_description"


@step("describe_vm")
def describe_vm(ctx: StepContext) -> Outcome:
    """A step of this test only: the VM's description names its billing service."""
    ctx.write_config({"description": f"billing service {ctx.service.billing_service_id}"})
    return Done()


@pytest.fixture
def deploy_with_a_new_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deploy's table with `describe_vm` between the firewall and cloud-init, as a newcomer would write it."""
    rows: list[Transition] = []
    for transition in transitions.DEPLOY.transitions:
        if transition.source == states.SET_FIREWALL:
            rows.append(Transition(states.SET_FIREWALL, "describe_vm", "Describe VM", DESCRIBED))
            transition = replace(transition, source=DESCRIBED)
        rows.append(transition)
    monkeypatch.setitem(transitions.OPERATIONS, "deploy", replace(transitions.DEPLOY, transitions=tuple(rows)))


def test_a_deploy_runs_a_step_added_to_its_table(deploy_with_a_new_step: None, plan: Plan, cluster: Server) -> None:
    service = order_service(billing_service_id="5546", client_ref="77", plan=plan)
    drive(service)

    assert service.state == states.READY
    assert config_of(cluster, service)["description"] == f"billing service {service.billing_service_id}"
    log = list(ActionLog.objects.filter(service=service).order_by("pk").values_list("step", "from_state", "to_state"))
    described = log.index(("Describe VM", states.SET_FIREWALL, DESCRIBED))
    assert log[described + 1] == ("Configure cloud-init", DESCRIBED, states.SET_CLOUDINIT)
