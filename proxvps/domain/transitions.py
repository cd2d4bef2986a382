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
    done_in: frozenset[str] = frozenset()
    """The idle states in which the operation has nothing to do: a request there is answered as already done, not
    refused (a billing system that suspends a suspended service, or terminates a removed one, gets its answer)."""
    failure_state: str = s.ERROR
    """Where a failure that is not retried leaves the service, for staff to act."""
    retries: bool = True
    """Whether a retryable failure is tried again from the same state; False: every failure is final (terminate:
    never retried automatically while its VM may still exist, SPEC S6)."""

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
    def states(self) -> tuple[str, ...]:
        """The states of the operation in flight, in the order its steps run."""
        return tuple(t.source for t in self.transitions)

    def states_before(self, step: str) -> frozenset[str]:
        """The states in which the operation has not yet run `step` (that step's source among them): where a new
        VM still lacks what the step gives it, whatever steps are added or moved before it."""
        sources = self.states
        for index, transition in enumerate(self.transitions):
            if transition.step == step:
                return frozenset(sources[: index + 1])
        raise KeyError(f"{self.name} has no step {step!r}")

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

PACKAGE_STEPS: tuple[tuple[str, str], ...] = (
    ("set_cpu_ram", N_("Set CPU & RAM")),
    ("resize_system_disk", N_("Resize system disk")),
    ("system_disk_io", N_("Set system disk I/O")),
    ("additional_disk", N_("Additional disk")),
    ("resize_additional_disk", N_("Resize additional disk")),
    ("additional_disk_io", N_("Set additional disk I/O")),
    ("network", N_("Configure network")),
)
"""The change-package steps (step name, label) that bring a VM's hardware back to its package after its config
was replaced by an older one (a backup restored, a snapshot rolled back). They compare before they write, and
never shrink a disk (SPEC S5, S9)."""


def _chain(source: str, steps: tuple[tuple[str, str], ...], targets: tuple[str, ...]) -> tuple[Transition, ...]:
    """Transitions that run `steps` in order from `source`, each ending in the matching state of `targets`."""
    sources = (source, *targets[:-1])
    return tuple(
        Transition(src, step, label, target) for src, (step, label), target in zip(sources, steps, targets, strict=True)
    )


SNAPSHOT_CREATE = Operation(
    name="snapshot_create",
    title="SnapshotCreate",
    label=N_("Create snapshot"),
    transitions=(Transition(s.SNAPSHOT_CREATE, "create_snapshot", N_("Create snapshot"), s.READY),),
    starts_from=frozenset({s.READY}),
    failure_state=s.READY,
)

SNAPSHOT_DELETE = Operation(
    name="snapshot_delete",
    title="SnapshotDelete",
    label=N_("Delete snapshot"),
    transitions=(Transition(s.SNAPSHOT_DELETE, "delete_snapshot", N_("Delete snapshot"), s.READY),),
    starts_from=frozenset({s.READY}),
    failure_state=s.READY,
)

SNAPSHOT_ROLLBACK = Operation(
    name="snapshot_rollback",
    title="SnapshotRollback",
    label=N_("Roll back to snapshot"),
    transitions=(
        Transition(s.SNAPSHOT_ROLLBACK, "rollback_snapshot", N_("Roll back to snapshot"), s.SR_ROLLBACK),
        *_chain(
            s.SR_ROLLBACK,
            PACKAGE_STEPS,
            (
                s.SR_CPU_RAM,
                s.SR_SYSTEM_DISK_SIZE,
                s.SR_SYSTEM_DISK_BANDWIDTH,
                s.SR_ADDITIONAL_DISK,
                s.SR_ADDITIONAL_DISK_SIZE,
                s.SR_ADDITIONAL_DISK_BANDWIDTH,
                s.SR_NETWORK,
            ),
        ),
        Transition(s.SR_NETWORK, "start", N_("Start VM"), s.SR_START),
        Transition(s.SR_START, "verify_running", N_("Verify running"), s.READY),
    ),
    starts_from=frozenset({s.READY}),
)
"""A failed rollback stops in ERROR: with several disks, Proxmox may have rolled some back and not others."""

BACKUP_CREATE = Operation(
    name="backup_create",
    title="BackupCreate",
    label=N_("Create backup"),
    transitions=(Transition(s.BACKUP_CREATE, "create_backup", N_("Create backup"), s.READY),),
    starts_from=frozenset({s.READY}),
    failure_state=s.READY,
)

BACKUP_DELETE = Operation(
    name="backup_delete",
    title="BackupDelete",
    label=N_("Delete backup"),
    transitions=(Transition(s.BACKUP_DELETE, "delete_backup", N_("Delete backup"), s.READY),),
    starts_from=frozenset({s.READY}),
    failure_state=s.READY,
)

BACKUP_RESTORE = Operation(
    name="backup_restore",
    title="BackupRestore",
    label=N_("Restore backup"),
    transitions=(
        Transition(s.BACKUP_RESTORE, "shut_down", N_("Stop VM"), s.RS_STOP),
        Transition(s.RS_STOP, "restore_backup", N_("Restore backup"), s.RS_RESTORE),
        *_chain(
            s.RS_RESTORE,
            (*PACKAGE_STEPS, ("firewall", N_("Configure firewall"))),
            (
                s.RS_CPU_RAM,
                s.RS_SYSTEM_DISK_SIZE,
                s.RS_SYSTEM_DISK_BANDWIDTH,
                s.RS_ADDITIONAL_DISK,
                s.RS_ADDITIONAL_DISK_SIZE,
                s.RS_ADDITIONAL_DISK_BANDWIDTH,
                s.RS_NETWORK,
                s.RS_FIREWALL,
            ),
        ),
        Transition(s.RS_FIREWALL, "start", N_("Start VM"), s.RS_START),
        Transition(s.RS_START, "verify_running_and_mail_restored", N_("Verify running + Email"), s.READY),
    ),
    starts_from=frozenset({s.READY, s.ERROR_RESTORE}),
    failure_state=s.ERROR_RESTORE,
)
"""The firewall is written again too: the archive brings back the VM's firewall file as it was when the backup was
made, whose anti-spoofing IPSet may list addresses the service no longer has."""

SHUTDOWN_LABEL = N_("Shut down VM")
FORCE_STOP_LABEL = N_("Force stop VM")

SUSPEND = Operation(
    name="suspend",
    title="Suspend",
    label=N_("Suspend"),
    transitions=(
        Transition(s.SUSPEND, "await_shutdown", SHUTDOWN_LABEL, s.SUSPEND_SHUTDOWN),
        Transition(s.SUSPEND_SHUTDOWN, "force_stop", FORCE_STOP_LABEL, s.SUSPENDED),
    ),
    starts_from=frozenset({s.READY}),
    done_in=frozenset({s.SUSPENDED}),
)

UNSUSPEND = Operation(
    name="unsuspend",
    title="Unsuspend",
    label=N_("Unsuspend"),
    transitions=(
        Transition(s.UNSUSPEND, "start", N_("Start VM"), s.UNSUSPEND_STARTING),
        Transition(s.UNSUSPEND_STARTING, "verify_running", N_("Verify running"), s.READY),
    ),
    starts_from=frozenset({s.SUSPENDED}),
    done_in=frozenset({s.READY}),
)

TERMINATE = Operation(
    name="terminate",
    title="Terminate",
    label=N_("Terminate"),
    transitions=(
        Transition(s.TERMINATE, "await_shutdown", SHUTDOWN_LABEL, s.TERMINATE_SHUTDOWN),
        Transition(s.TERMINATE_SHUTDOWN, "force_stop", FORCE_STOP_LABEL, s.TERMINATE_STOPPED),
        Transition(s.TERMINATE_STOPPED, "remove_backups", N_("Remove backups"), s.TERMINATE_BACKUPS_REMOVED),
        Transition(
            s.TERMINATE_BACKUPS_REMOVED, "remove_snapshots", N_("Remove snapshots"), s.TERMINATE_SNAPSHOTS_REMOVED
        ),
        Transition(
            s.TERMINATE_SNAPSHOTS_REMOVED, "delete_dns_records", N_("Delete DNS records"), s.TERMINATE_DNS_DELETED
        ),
        Transition(
            s.TERMINATE_DNS_DELETED,
            "remove_firewall_objects",
            N_("Remove firewall objects"),
            s.TERMINATE_FIREWALL_REMOVED,
        ),
        Transition(s.TERMINATE_FIREWALL_REMOVED, "delete_vm", N_("Delete VM"), s.TERMINATE_VM_DELETED),
        Transition(s.TERMINATE_VM_DELETED, "free_ips_and_vmid", N_("Free IPs and VMID"), s.REMOVE),
    ),
    preempts=True,
    done_in=frozenset({s.REMOVE}),
    failure_state=s.ERROR_TERMINATE,
    retries=False,
)

REINSTALL = Operation(
    name="reinstall",
    title="Reinstall",
    label=N_("Reinstall"),
    transitions=(
        Transition(s.REINSTALL, "stop_for_reinstall", N_("Stop VM"), s.RI_STOP),
        Transition(s.RI_STOP, "delete_snapshots", N_("Delete snapshots"), s.RI_DELETE_SNAPSHOTS),
        Transition(s.RI_DELETE_SNAPSHOTS, "delete_vm_for_reinstall", N_("Remove VM"), s.RI_DELETE_VM),
        Transition(s.RI_DELETE_VM, "clone_into_same_vmid", N_("Clone from template"), s.RI_CLONE),
        Transition(s.RI_CLONE, "migrate", N_("Migrate to target node"), s.RI_MIGRATED),
        Transition(s.RI_MIGRATED, "set_cpu_ram", N_("Set CPU & RAM"), s.RI_CPU_RAM),
        Transition(s.RI_CPU_RAM, "delete_dns_records", N_("Delete DNS records"), s.RI_DNS_DELETED),
        Transition(s.RI_DNS_DELETED, "set_dns_records", N_("Set DNS records"), s.RI_DNS_SET),
        Transition(s.RI_DNS_SET, "resize_system_disk", N_("Resize system disk"), s.RI_SYSTEM_DISK_SIZE),
        Transition(s.RI_SYSTEM_DISK_SIZE, "system_disk_io", N_("Set system disk I/O"), s.RI_SYSTEM_DISK_BANDWIDTH),
        Transition(s.RI_SYSTEM_DISK_BANDWIDTH, "additional_disk", N_("Create additional disk"), s.RI_ADDITIONAL_DISK),
        Transition(
            s.RI_ADDITIONAL_DISK, "resize_additional_disk", N_("Resize additional disk"), s.RI_ADDITIONAL_DISK_SIZE
        ),
        Transition(
            s.RI_ADDITIONAL_DISK_SIZE,
            "additional_disk_io",
            N_("Set additional disk I/O"),
            s.RI_ADDITIONAL_DISK_BANDWIDTH,
        ),
        Transition(s.RI_ADDITIONAL_DISK_BANDWIDTH, "network_same_mac", N_("Configure network"), s.RI_NETWORK),
        Transition(s.RI_NETWORK, "firewall", N_("Configure firewall"), s.RI_FIREWALL),
        Transition(s.RI_FIREWALL, "cloudinit", N_("Configure cloud-init"), s.RI_CLOUDINIT),
        Transition(s.RI_CLOUDINIT, "start", N_("Start VM"), s.RI_START),
        Transition(s.RI_START, "verify_running_and_email", N_("Verify running + Email"), s.READY),
    ),
    # From error too: a reinstall rebuilds a VM a failed operation left broken (SPEC S9: a failed restore offers
    # a reinstall).
    starts_from=frozenset({s.READY, s.ERROR, s.ERROR_RESTORE}),
)

RESET_PASSWORD = Operation(
    name="reset_password",
    title="ResetPassword",
    label=N_("Reset password"),
    transitions=(
        Transition(s.RESET_PASSWORD, "stop_for_password", N_("Stop VM"), s.RP_STOP),
        Transition(s.RP_STOP, "set_new_password", N_("Set new password in cloud-init"), s.RP_CLOUDINIT),
        Transition(s.RP_CLOUDINIT, "start", N_("Start VM"), s.RP_START),
        Transition(s.RP_START, "verify_running_and_email_password", N_("Verify running + Email"), s.READY),
    ),
    starts_from=frozenset({s.READY}),
)

MOUNT_ISO = Operation(
    name="mount_iso",
    title="MountIso",
    label=N_("Mount ISO"),
    transitions=(Transition(s.MOUNT_ISO, "mount_iso", N_("Mount ISO"), s.READY),),
    starts_from=frozenset({s.READY}),
)

UNMOUNT_ISO = Operation(
    name="unmount_iso",
    title="UnmountIso",
    label=N_("Unmount ISO"),
    transitions=(Transition(s.UNMOUNT_ISO, "unmount_iso", N_("Unmount ISO"), s.READY),),
    starts_from=frozenset({s.READY}),
)

POWER = Operation(
    name="power",
    title="Power",
    label=N_("Power action"),
    transitions=(Transition(s.POWER, "power_action", N_("Power action"), s.READY),),
    starts_from=frozenset({s.READY}),
)

MIGRATE_NODE = Operation(
    name="migrate_node",
    title="MigrateNode",
    label=N_("Migrate to another node"),
    transitions=(Transition(s.MIGRATE_NODE, "migrate_to_node", N_("Migrate to another node"), s.READY),),
    starts_from=frozenset({s.READY}),
    failure_state=s.READY,
)
"""Staff move a VM to another node of its cluster, live when it runs (its local disks go with it): one task,
waited for; a failure leaves the VM where it was, ready, with the reason in the log."""

DNS_SYNC = Operation(
    name="dns_sync",
    title="SetDNSRecords",
    label=N_("Set DNS records"),
    transitions=(Transition(s.DNS_SYNC, "set_dns_records", N_("Set DNS records"), s.READY),),
    starts_from=frozenset({s.READY}),
)
"""On demand (SPEC S12): the records made right again, by the worker, not in the request that asked for it."""

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        DEPLOY,
        CHANGE_PACKAGE,
        SNAPSHOT_CREATE,
        SNAPSHOT_DELETE,
        SNAPSHOT_ROLLBACK,
        BACKUP_CREATE,
        BACKUP_DELETE,
        BACKUP_RESTORE,
        SUSPEND,
        UNSUSPEND,
        TERMINATE,
        REINSTALL,
        RESET_PASSWORD,
        MOUNT_ISO,
        UNMOUNT_ISO,
        POWER,
        MIGRATE_NODE,
        DNS_SYNC,
    )
}


def operation_for(state: str) -> Operation | None:
    """The operation a service in `state` is in the middle of, or None (ready, suspended, error, ...)."""
    for operation in OPERATIONS.values():
        if state in operation.states:
            return operation
    return None


ACTIVE_STATES: frozenset[str] = frozenset().union(*(op.states for op in OPERATIONS.values()))
"""States in which a service has work for the worker."""

ALL_STATES: tuple[str, ...] = (*(state for op in OPERATIONS.values() for state in op.states), *s.IDLE_STATES)

LOCKED_STATES: frozenset[str] = frozenset(
    (*SUSPEND.states, s.SUSPENDED, *UNSUSPEND.states, *TERMINATE.states, s.ERROR_TERMINATE, s.REMOVE)
)
"""States in which the client area and the client API refuse the client: suspended (or on the way in or out of
it), and terminated (the client has left; SPEC S6)."""
