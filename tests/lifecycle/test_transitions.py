"""The transition tables hold together: every step is registered, every state is known and has a label, and no
state belongs to two operations (a service's state must name the one operation it is in)."""

from __future__ import annotations

import pytest

from proxvps.domain import states
from proxvps.domain.transitions import ALL_STATES, OPERATIONS, Operation, operation_for
from proxvps.inventory.choices import ServiceState
from proxvps.lifecycle.steps import registered

ALL = list(OPERATIONS.values())


@pytest.mark.parametrize("operation", ALL, ids=[op.name for op in ALL])
def test_every_step_of_an_operation_is_registered_and_leads_to_a_known_state(operation: Operation) -> None:
    for transition in operation.transitions:
        assert transition.step in registered(), transition
        assert transition.source in ALL_STATES, transition
        assert transition.target in ALL_STATES, transition
    # An operation ends where no operation is in flight (ready, suspended, removed).
    assert operation.transitions[-1].target in {states.READY, states.SUSPENDED, states.REMOVE}
    assert operation.starts_from <= set(ALL_STATES)


def test_every_state_has_a_label_and_at_most_one_operation() -> None:
    assert set(ALL_STATES) == set(ServiceState.values)
    for state in ALL_STATES:
        owners = [op.name for op in ALL if state in op.states]
        assert len(owners) <= 1, (state, owners)
        assert operation_for(state) is (OPERATIONS[owners[0]] if owners else None)
