"""The state machines: for each operation, which step leads from which state to which.

Kept apart from the steps themselves (as Ironic keeps its transition table apart from the conductor): the table
says what happens in which order, the steps in `proxvps.lifecycle` say how. A service's state names the last
step that finished, so the next step is the transition whose source is that state; a crash anywhere resumes
there. Labels are the words the cron output and the action log show (translated where they are shown).
"""

from __future__ import annotations

from dataclasses import dataclass

from proxvps.domain import states as s


def N_(message: str) -> str:  # noqa: N802 - the marker name xgettext is told to look for
    """Marks a label for translation where it is shown (the domain cannot import Django's gettext)."""
    return message


@dataclass(frozen=True)
class Transition:
    source: str
    step: str
    """The name of the step function in proxvps.lifecycle that makes this transition."""
    label: str
    target: str


@dataclass(frozen=True)
class Operation:
    name: str
    title: str
    """As the cron output names it: `--- Deploy: ...`, `--- ChangePackage: ...`."""
    label: str
    """As a person reads it in messages and the log: "Change package" (translated where shown)."""
    transitions: tuple[Transition, ...]
    starts_from: frozenset[str] = frozenset()
    """The idle states a request for this operation may start it from. A request that arrives while another
    operation is in flight waits its turn (SPEC S9: while a backup or restore runs, every other operation waits);
    one that arrives in any other state is refused."""
    preempts: bool = False
    """Starts at once from any state, cancelling the requests that wait (terminate: the client has left)."""

    def next(self, state: str) -> Transition | None:
        """The transition out of `state`, or None when the operation has nothing more to do there."""
        for transition in self.transitions:
            if transition.source == state:
                return transition
        return None

    def number(self, transition: Transition) -> int:
        """The step's 1-based position in the operation, as the action log numbers it."""
        return self.transitions.index(transition) + 1

    @property
    def states(self) -> frozenset[str]:
        return frozenset(t.source for t in self.transitions)

    @property
    def first_state(self) -> str:
        """The state a request puts the service in to start this operation."""
        return self.transitions[0].source


DEPLOY = Operation(
    name="deploy",
    title="Deploy",
    label=N_("Deploy"),
    transitions=(
        Transition(s.NEW, "allocate_ip", N_("Allocate IP"), s.IP_ALLOCATED),
        Transition(s.IP_ALLOCATED, "set_dns_records", N_("Set DNS records"), s.DNS_SET),
        Transition(s.DNS_SET, "clone", N_("Clone from template"), s.CLONE),
        Transition(s.CLONE, "migrate", N_("Migrate to target node"), s.MIGRATED),
        Transition(s.MIGRATED, "set_cpu_ram", N_("Set CPU & RAM"), s.SET_CPU_RAM),
        Transition(s.SET_CPU_RAM, "resize_system_disk", N_("Resize system disk"), s.SET_SYSTEM_DISK_SIZE),
        Transition(s.SET_SYSTEM_DISK_SIZE, "system_disk_io", N_("Set system disk I/O"), s.SET_SYSTEM_DISK_BANDWIDTH),
        Transition(
            s.SET_SYSTEM_DISK_BANDWIDTH,
            "additional_disk",
            N_("Create additional disk"),
            s.SET_CREATED_ADDITIONAL_DISK,
        ),
        Transition(
            s.SET_CREATED_ADDITIONAL_DISK,
            "resize_additional_disk",
            N_("Resize additional disk"),
            s.SET_ADDITIONAL_DISK_SIZE,
        ),
        Transition(
            s.SET_ADDITIONAL_DISK_SIZE,
            "additional_disk_io",
            N_("Set additional disk I/O"),
            s.SET_ADDITIONAL_DISK_BANDWIDTH,
        ),
        Transition(s.SET_ADDITIONAL_DISK_BANDWIDTH, "network", N_("Configure network"), s.SET_NETWORK),
        Transition(s.SET_NETWORK, "firewall", N_("Configure firewall"), s.SET_FIREWALL),
        Transition(s.SET_FIREWALL, "cloudinit", N_("Configure cloud-init"), s.SET_CLOUDINIT),
        Transition(s.SET_CLOUDINIT, "start", N_("Start VM"), s.STARTING),
        Transition(s.STARTING, "verify_running_and_email", N_("Verify running + Email"), s.READY),
    ),
)

CHANGE_PACKAGE = Operation(
    name="change_package",
    title="ChangePackage",
    label=N_("Change package"),
    transitions=(
        Transition(s.CHANGE_PACKAGE, "update_addresses", N_("Update IP + DNS + Firewall"), s.CP_UPDATE_IP),
        Transition(s.CP_UPDATE_IP, "stop_for_change", N_("Stop VM"), s.CP_STOP),
        Transition(s.CP_STOP, "set_cpu_ram", N_("Set CPU & RAM"), s.CP_CPU_RAM),
        Transition(s.CP_CPU_RAM, "resize_system_disk", N_("Resize system disk"), s.CP_SYSTEM_DISK_SIZE),
        Transition(s.CP_SYSTEM_DISK_SIZE, "system_disk_io", N_("Set system disk I/O"), s.CP_SYSTEM_DISK_BANDWIDTH),
        Transition(s.CP_SYSTEM_DISK_BANDWIDTH, "additional_disk", N_("Additional disk"), s.CP_ADDITIONAL_DISK),
        Transition(
            s.CP_ADDITIONAL_DISK, "resize_additional_disk", N_("Resize additional disk"), s.CP_ADDITIONAL_DISK_SIZE
        ),
        Transition(
            s.CP_ADDITIONAL_DISK_SIZE,
            "additional_disk_io",
            N_("Set additional disk I/O"),
            s.CP_ADDITIONAL_DISK_BANDWIDTH,
        ),
        Transition(s.CP_ADDITIONAL_DISK_BANDWIDTH, "network", N_("Configure network"), s.CP_NETWORK),
        Transition(s.CP_NETWORK, "firewall", N_("Configure firewall"), s.CP_FIREWALL),
        Transition(s.CP_FIREWALL, "start", N_("Start VM"), s.CP_START),
        Transition(s.CP_START, "verify_running", N_("Verify running"), s.READY),
    ),
    starts_from=frozenset({s.READY}),
)

DNS_SYNC = Operation(
    name="dns_sync",
    title="SetDNSRecords",
    label=N_("Set DNS records"),
    transitions=(Transition(s.DNS_SYNC, "set_dns_records", N_("Set DNS records"), s.READY),),
    starts_from=frozenset({s.READY}),
)
"""On demand (SPEC S12): the records made right again, by the worker, not in the request that asked for it."""

OPERATIONS: dict[str, Operation] = {op.name: op for op in (DEPLOY, CHANGE_PACKAGE, DNS_SYNC)}


def operation_for(state: str) -> Operation | None:
    """The operation a service in `state` is in the middle of, or None (ready, suspended, error, ...)."""
    for operation in OPERATIONS.values():
        if state in operation.states:
            return operation
    return None


ACTIVE_STATES: frozenset[str] = frozenset().union(*(op.states for op in OPERATIONS.values()))
"""States in which a service has work for the worker."""
