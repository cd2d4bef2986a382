"""The lifecycle states a service moves through, as named constants.

Each constant is the value stored in `Service.state` and printed in cron output (`clone -> migrated`), so the
spellings follow the seed's output format. The transition tables and the one function that changes a state live
in `proxvps.lifecycle`; this module only names the states and groups them.
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

# --- Set DNS records on demand (SPEC S12).
DNS_SYNC: Final = "dns_sync"
"""Staff asked for the DNS records to be set again: the worker syncs them, then the service is ready again."""

# --- Other lifecycle states (SPEC S6).
SUSPENDED: Final = "suspended"
TERMINATE: Final = "terminate"
"""Terminate requested: the worker stops, cleans up and deletes the VM."""
ERROR_TERMINATE: Final = "error_terminate"
"""Terminate failed: never retried automatically; record and addresses are kept until staff act."""
REMOVE: Final = "remove"
"""The VM is gone (or staff force-marked it so); the addresses are free again."""
ERROR: Final = "error"
"""A step failed in a way a retry cannot fix (missing template, bad plan); staff must act."""

DEPLOY_STATES: Final = (
    NEW,
    IP_ALLOCATED,
    DNS_SET,
    CLONE,
    MIGRATED,
    SET_CPU_RAM,
    SET_SYSTEM_DISK_SIZE,
    SET_SYSTEM_DISK_BANDWIDTH,
    SET_CREATED_ADDITIONAL_DISK,
    SET_ADDITIONAL_DISK_SIZE,
    SET_ADDITIONAL_DISK_BANDWIDTH,
    SET_NETWORK,
    SET_FIREWALL,
    SET_CLOUDINIT,
    STARTING,
)
CHANGE_PACKAGE_STATES: Final = (
    CHANGE_PACKAGE,
    CP_UPDATE_IP,
    CP_STOP,
    CP_CPU_RAM,
    CP_SYSTEM_DISK_SIZE,
    CP_SYSTEM_DISK_BANDWIDTH,
    CP_ADDITIONAL_DISK,
    CP_ADDITIONAL_DISK_SIZE,
    CP_ADDITIONAL_DISK_BANDWIDTH,
    CP_NETWORK,
    CP_FIREWALL,
    CP_START,
)
ALL_STATES: Final = (
    *DEPLOY_STATES,
    READY,
    *CHANGE_PACKAGE_STATES,
    DNS_SYNC,
    SUSPENDED,
    TERMINATE,
    ERROR_TERMINATE,
    REMOVE,
    ERROR,
)
