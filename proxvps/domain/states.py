"""The lifecycle states a service moves through, as named constants.

Each constant is the value stored in `Service.state` and printed in cron output (`clone -> migrated`), so the
spellings follow the seed's output format. The transition tables (`proxvps.domain.transitions`) say which
operation each state belongs to and in which order; the one function that changes a state lives in
`proxvps.lifecycle`.
"""

from __future__ import annotations

from typing import Final

# --- Deploy (SPEC S4): one state per finished step, in order.
NEW: Final = "new"
"""Ordered, nothing done yet: the worker will allocate addresses and start the deploy."""
IP_ALLOCATED: Final = "ip_allocated"
DNS_SET: Final = "set_dns_records"
CLONE: Final = "clone"
"""A clone task was started (or adopted after a crash); its result decides the next state."""
MIGRATED: Final = "migrated"
SET_CPU_RAM: Final = "set_cpu_ram"
SET_SYSTEM_DISK_SIZE: Final = "set_system_disk_size"
SET_SYSTEM_DISK_BANDWIDTH: Final = "set_system_disk_bandwidth"
SET_CREATED_ADDITIONAL_DISK: Final = "set_created_additional_disk"
SET_ADDITIONAL_DISK_SIZE: Final = "set_additional_disk_size"
SET_ADDITIONAL_DISK_BANDWIDTH: Final = "set_additional_disk_bandwidth"
SET_NETWORK: Final = "set_network"
SET_FIREWALL: Final = "set_firewall"
SET_CLOUDINIT: Final = "set_cloudinit"
STARTING: Final = "starting"
READY: Final = "ready"
"""The VM runs as the plan says; no operation is in flight."""

# --- Change package (SPEC S5).
CHANGE_PACKAGE: Final = "change_package"
CP_UPDATE_IP: Final = "cp_update_ip"
CP_STOP: Final = "cp_stop"
CP_CPU_RAM: Final = "cp_cpu_ram"
CP_SYSTEM_DISK_SIZE: Final = "cp_system_disk_size"
CP_SYSTEM_DISK_BANDWIDTH: Final = "cp_system_disk_bandwidth"
CP_ADDITIONAL_DISK: Final = "cp_additional_disk"
CP_ADDITIONAL_DISK_SIZE: Final = "cp_additional_disk_size"
CP_ADDITIONAL_DISK_BANDWIDTH: Final = "cp_additional_disk_bandwidth"
CP_NETWORK: Final = "cp_network"
CP_FIREWALL: Final = "cp_firewall"
CP_START: Final = "cp_start"

# --- Snapshots (SPEC S8): one step each for create and delete; a rollback brings the package back afterwards
# (the snapshot's config may predate an upgrade), then starts the VM.
SNAPSHOT_CREATE: Final = "snapshot_create"
SNAPSHOT_DELETE: Final = "snapshot_delete"
SNAPSHOT_ROLLBACK: Final = "snapshot_rollback"
SR_ROLLBACK: Final = "sr_rollback"
SR_CPU_RAM: Final = "sr_cpu_ram"
SR_SYSTEM_DISK_SIZE: Final = "sr_system_disk_size"
SR_SYSTEM_DISK_BANDWIDTH: Final = "sr_system_disk_bandwidth"
SR_ADDITIONAL_DISK: Final = "sr_additional_disk"
SR_ADDITIONAL_DISK_SIZE: Final = "sr_additional_disk_size"
SR_ADDITIONAL_DISK_BANDWIDTH: Final = "sr_additional_disk_bandwidth"
SR_NETWORK: Final = "sr_network"
SR_START: Final = "sr_start"

# --- Backups (SPEC S9): create and delete are one step each; a restore stops the VM, restores the archive over
# it, re-applies the package (never shrinking), starts it and mails the client.
BACKUP_CREATE: Final = "backup_create"
BACKUP_DELETE: Final = "backup_delete"
BACKUP_RESTORE: Final = "backup_restore"
RS_STOP: Final = "rs_stop"
RS_RESTORE: Final = "rs_restore"
RS_CPU_RAM: Final = "rs_cpu_ram"
RS_SYSTEM_DISK_SIZE: Final = "rs_system_disk_size"
RS_SYSTEM_DISK_BANDWIDTH: Final = "rs_system_disk_bandwidth"
RS_ADDITIONAL_DISK: Final = "rs_additional_disk"
RS_ADDITIONAL_DISK_SIZE: Final = "rs_additional_disk_size"
RS_ADDITIONAL_DISK_BANDWIDTH: Final = "rs_additional_disk_bandwidth"
RS_NETWORK: Final = "rs_network"
RS_FIREWALL: Final = "rs_firewall"
RS_START: Final = "rs_start"
ERROR_RESTORE: Final = "error_restore"
"""A restore failed: never retried automatically; the client or staff restore again (any backup) or reinstall."""
# --- Reinstall (SPEC S7): the VM is removed and cloned afresh into the same VMID, with the same addresses and MAC.
REINSTALL: Final = "reinstall"
"""Reinstall requested: the service's template is the one the client picked."""
RI_STOP: Final = "ri_stop"
RI_DELETE_SNAPSHOTS: Final = "ri_delete_snapshots"
RI_DELETE_VM: Final = "ri_delete_vm"
"""The old VM is gone (its MAC is kept in the request's parameters); the next step clones into its VMID."""
RI_CLONE: Final = "ri_clone"
RI_MIGRATED: Final = "ri_migrated"
RI_CPU_RAM: Final = "ri_cpu_ram"
RI_DNS_DELETED: Final = "ri_delete_dns_records"
RI_DNS_SET: Final = "ri_set_dns_records"
RI_SYSTEM_DISK_SIZE: Final = "ri_system_disk_size"
RI_SYSTEM_DISK_BANDWIDTH: Final = "ri_system_disk_bandwidth"
RI_ADDITIONAL_DISK: Final = "ri_additional_disk"
RI_ADDITIONAL_DISK_SIZE: Final = "ri_additional_disk_size"
RI_ADDITIONAL_DISK_BANDWIDTH: Final = "ri_additional_disk_bandwidth"
RI_NETWORK: Final = "ri_network"
RI_FIREWALL: Final = "ri_firewall"
RI_CLOUDINIT: Final = "ri_cloudinit"
RI_START: Final = "ri_start"

# --- Reset password (SPEC S10): stop, new password through cloud-init, start, mail.
RESET_PASSWORD: Final = "reset_password"
"""Reset requested: the new password waits, encrypted, in the request's secret."""
RP_STOP: Final = "rp_stop"
RP_CLOUDINIT: Final = "rp_cloudinit"
RP_START: Final = "rp_start"

# --- ISO (SPEC S10) and power (SPEC S17): one step each.
MOUNT_ISO: Final = "mount_iso"
UNMOUNT_ISO: Final = "unmount_iso"
POWER: Final = "power"
"""A power action (start, stop, shutdown, reboot, reset; in the request's parameters) is under way."""
# --- Migrate to another node on staff's word (beyond the seed: a live migration run as an operation).
MIGRATE_NODE: Final = "migrate_node"
"""Staff asked for the VM to move to another node of its cluster (the target in the request's parameters)."""
# --- Set DNS records on demand (SPEC S12).
DNS_SYNC: Final = "dns_sync"
"""Staff asked for the DNS records to be set again: the worker syncs them, then the service is ready again."""

# --- Other lifecycle states (SPEC S6).
# --- Suspend and unsuspend (SPEC S6).
SUSPEND: Final = "suspend"
"""Suspend requested: the worker shuts the VM down (and stops it if the guest ignores the shutdown)."""
SUSPEND_SHUTDOWN: Final = "suspend_shutdown"
"""The graceful window is over: the VM stopped, or it is forced to stop next."""
SUSPENDED: Final = "suspended"
"""The VM is stopped on the billing system's word and the client area is locked, until an unsuspend."""
UNSUSPEND: Final = "unsuspend"
UNSUSPEND_STARTING: Final = "unsuspend_starting"

# --- Terminate (SPEC S6).
TERMINATE: Final = "terminate"
"""Terminate requested (a stop request was sent): the worker stops, cleans up and deletes the VM."""
TERMINATE_SHUTDOWN: Final = "terminate_shutdown"
"""The graceful window is over: the VM stopped, or it is forced to stop next."""
TERMINATE_STOPPED: Final = "terminate_stopped"
TERMINATE_BACKUPS_REMOVED: Final = "terminate_backups_removed"
TERMINATE_SNAPSHOTS_REMOVED: Final = "terminate_snapshots_removed"
TERMINATE_DNS_DELETED: Final = "terminate_dns_deleted"
TERMINATE_FIREWALL_REMOVED: Final = "terminate_firewall_removed"
TERMINATE_VM_DELETED: Final = "terminate_vm_deleted"
ERROR_TERMINATE: Final = "error_terminate"
"""Terminate failed: never retried automatically; record and addresses are kept until staff act."""
REMOVE: Final = "remove"
"""The VM is gone (or staff force-marked it so); the addresses and the VMID are free again."""
ERROR: Final = "error"
"""A step failed in a way a retry cannot fix (missing template, bad plan); staff must act."""

IDLE_STATES: Final = (READY, ERROR_RESTORE, SUSPENDED, ERROR_TERMINATE, REMOVE, ERROR)
"""The states in which no operation is in flight. The states of each operation, and the groups of them the code
asks about, are read from the transition tables (`proxvps.domain.transitions`), which are their one source."""
