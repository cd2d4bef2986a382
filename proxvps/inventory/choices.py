"""Choice sets with labels for the inventory models (labels go through gettext)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from proxvps.domain import states


class ServiceState(models.TextChoices):
    NEW = states.NEW, _("New")
    IP_ALLOCATED = states.IP_ALLOCATED, _("IP allocated")
    DNS_SET = states.DNS_SET, _("DNS records")
    CLONE = states.CLONE, _("Cloning")
    MIGRATED = states.MIGRATED, _("Migrated")
    SET_CPU_RAM = states.SET_CPU_RAM, _("CPU and RAM set")
    SET_SYSTEM_DISK_SIZE = states.SET_SYSTEM_DISK_SIZE, _("System disk resized")
    SET_SYSTEM_DISK_BANDWIDTH = states.SET_SYSTEM_DISK_BANDWIDTH, _("System disk I/O set")
    SET_CREATED_ADDITIONAL_DISK = states.SET_CREATED_ADDITIONAL_DISK, _("Additional disk created")
    SET_ADDITIONAL_DISK_SIZE = states.SET_ADDITIONAL_DISK_SIZE, _("Additional disk resized")
    SET_ADDITIONAL_DISK_BANDWIDTH = states.SET_ADDITIONAL_DISK_BANDWIDTH, _("Additional disk I/O set")
    SET_NETWORK = states.SET_NETWORK, _("Network configured")
    SET_FIREWALL = states.SET_FIREWALL, _("Firewall configured")
    SET_CLOUDINIT = states.SET_CLOUDINIT, _("Cloud-init configured")
    STARTING = states.STARTING, _("Starting")
    READY = states.READY, _("Ready")
    CHANGE_PACKAGE = states.CHANGE_PACKAGE, _("Change package requested")
    CP_UPDATE_IP = states.CP_UPDATE_IP, _("Change package: addresses updated")
    CP_STOP = states.CP_STOP, _("Change package: stopped")
    CP_CPU_RAM = states.CP_CPU_RAM, _("Change package: CPU and RAM set")
    CP_SYSTEM_DISK_SIZE = states.CP_SYSTEM_DISK_SIZE, _("Change package: system disk resized")
    CP_SYSTEM_DISK_BANDWIDTH = states.CP_SYSTEM_DISK_BANDWIDTH, _("Change package: system disk I/O set")
    CP_ADDITIONAL_DISK = states.CP_ADDITIONAL_DISK, _("Change package: additional disk")
    CP_ADDITIONAL_DISK_SIZE = states.CP_ADDITIONAL_DISK_SIZE, _("Change package: additional disk resized")
    CP_ADDITIONAL_DISK_BANDWIDTH = (
        states.CP_ADDITIONAL_DISK_BANDWIDTH,
        _("Change package: additional disk I/O set"),
    )
    CP_NETWORK = states.CP_NETWORK, _("Change package: network configured")
    CP_FIREWALL = states.CP_FIREWALL, _("Change package: firewall configured")
    CP_START = states.CP_START, _("Change package: starting")
    SNAPSHOT_CREATE = states.SNAPSHOT_CREATE, _("Creating a snapshot")
    SNAPSHOT_DELETE = states.SNAPSHOT_DELETE, _("Deleting a snapshot")
    SNAPSHOT_ROLLBACK = states.SNAPSHOT_ROLLBACK, _("Rollback requested")
    SR_ROLLBACK = states.SR_ROLLBACK, _("Rollback: rolled back")
    SR_CPU_RAM = states.SR_CPU_RAM, _("Rollback: CPU and RAM set")
    SR_SYSTEM_DISK_SIZE = states.SR_SYSTEM_DISK_SIZE, _("Rollback: system disk resized")
    SR_SYSTEM_DISK_BANDWIDTH = states.SR_SYSTEM_DISK_BANDWIDTH, _("Rollback: system disk I/O set")
    SR_ADDITIONAL_DISK = states.SR_ADDITIONAL_DISK, _("Rollback: additional disk")
    SR_ADDITIONAL_DISK_SIZE = states.SR_ADDITIONAL_DISK_SIZE, _("Rollback: additional disk resized")
    SR_ADDITIONAL_DISK_BANDWIDTH = states.SR_ADDITIONAL_DISK_BANDWIDTH, _("Rollback: additional disk I/O set")
    SR_NETWORK = states.SR_NETWORK, _("Rollback: network configured")
    SR_START = states.SR_START, _("Rollback: starting")
    BACKUP_CREATE = states.BACKUP_CREATE, _("Creating a backup")
    BACKUP_DELETE = states.BACKUP_DELETE, _("Deleting a backup")
    BACKUP_RESTORE = states.BACKUP_RESTORE, _("Restore requested")
    RS_STOP = states.RS_STOP, _("Restore: stopped")
    RS_RESTORE = states.RS_RESTORE, _("Restore: restored")
    RS_CPU_RAM = states.RS_CPU_RAM, _("Restore: CPU and RAM set")
    RS_SYSTEM_DISK_SIZE = states.RS_SYSTEM_DISK_SIZE, _("Restore: system disk resized")
    RS_SYSTEM_DISK_BANDWIDTH = states.RS_SYSTEM_DISK_BANDWIDTH, _("Restore: system disk I/O set")
    RS_ADDITIONAL_DISK = states.RS_ADDITIONAL_DISK, _("Restore: additional disk")
    RS_ADDITIONAL_DISK_SIZE = states.RS_ADDITIONAL_DISK_SIZE, _("Restore: additional disk resized")
    RS_ADDITIONAL_DISK_BANDWIDTH = states.RS_ADDITIONAL_DISK_BANDWIDTH, _("Restore: additional disk I/O set")
    RS_NETWORK = states.RS_NETWORK, _("Restore: network configured")
    RS_FIREWALL = states.RS_FIREWALL, _("Restore: firewall configured")
    RS_START = states.RS_START, _("Restore: starting")
    ERROR_RESTORE = states.ERROR_RESTORE, _("Restore failed")
    SUSPEND = states.SUSPEND, _("Suspending")
    SUSPEND_SHUTDOWN = states.SUSPEND_SHUTDOWN, _("Suspending: shut down")
    REINSTALL = states.REINSTALL, _("Reinstall requested")
    RI_STOP = states.RI_STOP, _("Reinstall: stopped")
    RI_DELETE_SNAPSHOTS = states.RI_DELETE_SNAPSHOTS, _("Reinstall: snapshots deleted")
    RI_DELETE_VM = states.RI_DELETE_VM, _("Reinstall: old VM removed")
    RI_CLONE = states.RI_CLONE, _("Reinstall: cloning")
    RI_MIGRATED = states.RI_MIGRATED, _("Reinstall: migrated")
    RI_CPU_RAM = states.RI_CPU_RAM, _("Reinstall: CPU and RAM set")
    RI_DNS_DELETED = states.RI_DNS_DELETED, _("Reinstall: DNS records deleted")
    RI_DNS_SET = states.RI_DNS_SET, _("Reinstall: DNS records set")
    RI_SYSTEM_DISK_SIZE = states.RI_SYSTEM_DISK_SIZE, _("Reinstall: system disk resized")
    RI_SYSTEM_DISK_BANDWIDTH = states.RI_SYSTEM_DISK_BANDWIDTH, _("Reinstall: system disk I/O set")
    RI_ADDITIONAL_DISK = states.RI_ADDITIONAL_DISK, _("Reinstall: additional disk created")
    RI_ADDITIONAL_DISK_SIZE = states.RI_ADDITIONAL_DISK_SIZE, _("Reinstall: additional disk resized")
    RI_ADDITIONAL_DISK_BANDWIDTH = states.RI_ADDITIONAL_DISK_BANDWIDTH, _("Reinstall: additional disk I/O set")
    RI_NETWORK = states.RI_NETWORK, _("Reinstall: network configured")
    RI_FIREWALL = states.RI_FIREWALL, _("Reinstall: firewall configured")
    RI_CLOUDINIT = states.RI_CLOUDINIT, _("Reinstall: cloud-init configured")
    RI_START = states.RI_START, _("Reinstall: starting")
    RESET_PASSWORD = states.RESET_PASSWORD, _("Password reset requested")
    RP_STOP = states.RP_STOP, _("Password reset: stopped")
    RP_CLOUDINIT = states.RP_CLOUDINIT, _("Password reset: cloud-init written")
    RP_START = states.RP_START, _("Password reset: starting")
    MOUNT_ISO = states.MOUNT_ISO, _("Mounting ISO")
    UNMOUNT_ISO = states.UNMOUNT_ISO, _("Unmounting ISO")
    POWER = states.POWER, _("Power action")
    MIGRATE_NODE = states.MIGRATE_NODE, _("Migrating to another node")
    DNS_SYNC = states.DNS_SYNC, _("Setting DNS records")
    SUSPENDED = states.SUSPENDED, _("Suspended")
    UNSUSPEND = states.UNSUSPEND, _("Unsuspending")
    UNSUSPEND_STARTING = states.UNSUSPEND_STARTING, _("Unsuspending: starting")
    TERMINATE = states.TERMINATE, _("Terminating")
    TERMINATE_SHUTDOWN = states.TERMINATE_SHUTDOWN, _("Terminating: shut down")
    TERMINATE_STOPPED = states.TERMINATE_STOPPED, _("Terminating: stopped")
    TERMINATE_BACKUPS_REMOVED = states.TERMINATE_BACKUPS_REMOVED, _("Terminating: backups removed")
    TERMINATE_SNAPSHOTS_REMOVED = states.TERMINATE_SNAPSHOTS_REMOVED, _("Terminating: snapshots removed")
    TERMINATE_DNS_DELETED = states.TERMINATE_DNS_DELETED, _("Terminating: DNS records deleted")
    TERMINATE_FIREWALL_REMOVED = states.TERMINATE_FIREWALL_REMOVED, _("Terminating: firewall objects removed")
    TERMINATE_VM_DELETED = states.TERMINATE_VM_DELETED, _("Terminating: VM deleted")
    ERROR_TERMINATE = states.ERROR_TERMINATE, _("Terminate failed")
    REMOVE = states.REMOVE, _("Removed")
    ERROR = states.ERROR, _("Error")


class FirewallPolicy(models.TextChoices):
    ACCEPT = "ACCEPT", _("Accept")
    REJECT = "REJECT", _("Reject")
    DROP = "DROP", _("Drop")


class FirewallLogLevel(models.TextChoices):
    NOLOG = "nolog", _("No logging")
    EMERG = "emerg", _("Emergency")
    ALERT = "alert", _("Alert")
    CRIT = "crit", _("Critical")
    ERR = "err", _("Error")
    WARNING = "warning", _("Warning")
    NOTICE = "notice", _("Notice")
    INFO = "info", _("Info")
    DEBUG = "debug", _("Debug")


class StepResult(models.TextChoices):
    SUCCESS = "success", _("Success")
    SKIPPED = "skipped", _("Skipped (no change)")
    WAITING = "waiting", _("Waiting")
    ERROR = "error", _("Error")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for its turn")
    STARTED = "started", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class ClientFeature(models.TextChoices):
    """What a plan may let its clients do in the client area (SPEC S17: client permissions); each is a
    `client_<value>` field of Plan."""

    POWER = "power", _("power")
    CONSOLE = "console", _("console")
    GRAPHS = "graphs", _("graphs")
    SNAPSHOTS = "snapshots", _("snapshots")
    BACKUPS = "backups", _("backups")
    FIREWALL = "firewall", _("firewall")
    ISO = "iso", _("ISO images")
    REINSTALL = "reinstall", _("reinstall")
    PASSWORD = "password", _("reset password")
    RDNS = "rdns", _("reverse DNS")
