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
    DNS_SYNC = states.DNS_SYNC, _("Setting DNS records")
    SUSPENDED = states.SUSPENDED, _("Suspended")
    TERMINATE = states.TERMINATE, _("Terminating")
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
