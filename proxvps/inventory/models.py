"""What proxvps knows about clusters, plans and the services sold on them.

A Server is one Proxmox VE cluster endpoint; ServerGroups gather servers a plan may deploy into. Nodes and
Templates are facts read from Proxmox and cached here so pages and placement decisions need no API call. A Plan
holds every default of a product (SPEC S3); a Service is one billing service and the VM that serves it.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from proxvps.domain import states
from proxvps.domain.naming import DEFAULT_TEMPLATE
from proxvps.domain.transitions import LOCKED_STATES
from proxvps.encryption import EncryptedTextField
from proxvps.inventory.choices import (
    ClientFeature,
    FirewallLogLevel,
    FirewallPolicy,
    RequestStatus,
    ServiceState,
    StepResult,
)
from proxvps.proxmox import ProxmoxConfigError, normalize_fingerprint

TOKEN_ID = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+![A-Za-z][A-Za-z0-9._-]*$")


class Server(models.Model):
    """A Proxmox VE cluster reached through its HTTPS API with an API token (SPEC S2)."""

    name = models.SlugField(_("name"), max_length=64, unique=True)
    url = models.URLField(_("API URL"), help_text=_("For example https://pve.example.com:8006"))
    token_id = models.CharField(
        _("API token id"), max_length=200, help_text=_("USER@REALM!TOKENID, for example root@pam!proxvps")
    )
    token_secret = EncryptedTextField(_("API token secret"))
    ca_file = models.CharField(
        _("CA certificate file"),
        max_length=500,
        blank=True,
        help_text=_("Path of a PEM file to verify the cluster's certificate against."),
    )
    fingerprint = models.CharField(
        _("pinned certificate fingerprint"),
        max_length=95,
        blank=True,
        help_text=_("SHA-256 fingerprint of the cluster's certificate, as Proxmox shows it."),
    )
    connect_timeout = models.FloatField(
        _("connect timeout (s)"), default=5.0, validators=[MinValueValidator(0.1), MaxValueValidator(120)]
    )
    read_timeout = models.FloatField(
        _("read timeout (s)"), default=30.0, validators=[MinValueValidator(0.1), MaxValueValidator(600)]
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("server")
        verbose_name_plural = _("servers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.url = self.url.strip().rstrip("/")
        if not self.url.startswith("https://"):
            errors["url"] = str(_("The Proxmox API is only reached over HTTPS; the URL must start with https://."))
        if not TOKEN_ID.match(self.token_id.strip()):
            errors["token_id"] = str(_("The token id must look like USER@REALM!TOKENID."))
        if self.fingerprint:
            try:
                self.fingerprint = normalize_fingerprint(self.fingerprint)
            except ProxmoxConfigError as error:
                errors["fingerprint"] = str(error)
        if self.fingerprint and self.ca_file:
            errors["fingerprint"] = str(_("Give either a CA certificate file or a pinned fingerprint, not both."))
        if errors:
            raise ValidationError(errors)


class ServerGroup(models.Model):
    """Servers a plan may deploy into; the group picks the server with room (SPEC S2)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    servers = models.ManyToManyField(Server, related_name="groups", blank=True, verbose_name=_("servers"))
    server_names = models.JSONField(
        _("servers as last chosen"),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The names of the servers chosen at the last save: a deleted one is named in the plan's warning."),
    )

    class Meta:
        verbose_name = _("server group")
        verbose_name_plural = _("server groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_servers(self, servers: Any) -> None:
        """Choose the group's servers, and remember their names (SPEC S18: a group pointing at a deleted server)."""
        self.servers.set(servers)
        self.server_names = sorted(self.servers.values_list("name", flat=True))
        self.save(update_fields=["server_names"])


class Node(models.Model):
    """A cluster node as last read from Proxmox: placement picks targets from these figures."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="nodes")
    name = models.CharField(_("name"), max_length=100)
    online = models.BooleanField(_("online"), default=True)
    max_memory = models.BigIntegerField(_("memory (bytes)"), default=0)
    used_memory = models.BigIntegerField(_("used memory (bytes)"), default=0)
    max_cpu = models.PositiveIntegerField(_("CPUs"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed at"), auto_now=True)

    class Meta:
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        ordering = ["server", "name"]
        constraints = [models.UniqueConstraint(fields=["server", "name"], name="node_unique_per_server")]

    def __str__(self) -> str:
        return f"{self.server.name}/{self.name}"

    @property
    def free_memory(self) -> int:
        return max(self.max_memory - self.used_memory, 0)


class Template(models.Model):
    """A Proxmox VM template services are cloned from, with its detected disk layout (SPEC S14)."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="templates")
    vmid = models.PositiveIntegerField(_("VMID"), validators=[MinValueValidator(100)])
    node = models.CharField(_("node"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    os_name = models.CharField(_("operating system"), max_length=200, blank=True)
    client_name = models.CharField(
        _("name shown to clients"),
        max_length=200,
        blank=True,
        help_text=_("What the client area calls this template; empty: its operating system as read from Proxmox."),
    )
    client_description = models.TextField(
        _("description shown to clients"),
        blank=True,
        help_text=_("A line or two on what the system is for, shown beside its name when a client picks one."),
    )
    system_disk = models.CharField(_("system disk"), max_length=20, blank=True)
    system_storage = models.CharField(_("system disk storage"), max_length=100, blank=True)
    disk_format = models.CharField(_("disk format"), max_length=10, default="raw")
    has_cloudinit = models.BooleanField(_("cloud-init drive"), default=False)
    disks = models.JSONField(_("disk layout"), default=dict, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), auto_now=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["server", "os_name", "vmid"]
        constraints = [models.UniqueConstraint(fields=["server", "vmid"], name="template_unique_per_server")]

    def __str__(self) -> str:
        return f"{self.os_name or self.name} ({self.vmid})"

    @property
    def shown_name(self) -> str:
        """The name a client reads: the one staff set, else the operating system, else the VM's name."""
        return self.client_name or self.os_name or self.name


def _positive(max_value: int) -> list[Any]:
    return [MinValueValidator(0), MaxValueValidator(max_value)]


class Plan(models.Model):
    """A product: every resource has a default here, so a plan works with no configurable option (SPEC S3)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    server_group = models.ForeignKey(
        ServerGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans"
    )
    server_group_name = models.CharField(
        _("server group as last chosen"),
        max_length=100,
        blank=True,
        editable=False,
        help_text=_("Kept when the group is deleted, so the plan can say which group it lost."),
    )
    template = models.ForeignKey(
        Template,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default operating system"),
    )
    templates = models.ManyToManyField(
        Template, blank=True, related_name="plans", verbose_name=_("operating systems offered")
    )
    # VM configuration
    cpu_cores = models.PositiveIntegerField(_("CPU cores"), default=1, validators=[MinValueValidator(1)])
    ram_mb = models.PositiveIntegerField(_("RAM (MB)"), default=1024, validators=[MinValueValidator(16)])
    system_disk_gb = models.PositiveIntegerField(_("system disk (GB)"), default=10, validators=_positive(65536))
    additional_disk_gb = models.PositiveIntegerField(_("additional disk (GB)"), default=0, validators=_positive(65536))
    system_disk_read_mbps = models.PositiveIntegerField(_("system disk read (MB/s)"), default=0)
    system_disk_write_mbps = models.PositiveIntegerField(_("system disk write (MB/s)"), default=0)
    system_disk_read_iops = models.PositiveIntegerField(_("system disk read IOPS"), default=0)
    system_disk_write_iops = models.PositiveIntegerField(_("system disk write IOPS"), default=0)
    additional_disk_read_mbps = models.PositiveIntegerField(_("additional disk read (MB/s)"), default=0)
    additional_disk_write_mbps = models.PositiveIntegerField(_("additional disk write (MB/s)"), default=0)
    additional_disk_read_iops = models.PositiveIntegerField(_("additional disk read IOPS"), default=0)
    additional_disk_write_iops = models.PositiveIntegerField(_("additional disk write IOPS"), default=0)
    network_mbps = models.PositiveIntegerField(
        _("network bandwidth (MB/s)"), default=0, help_text=_("0 means unlimited.")
    )
    ipv4_count = models.PositiveIntegerField(_("IPv4 addresses"), default=1, validators=_positive(256))
    ipv6_count = models.PositiveIntegerField(_("IPv6 addresses"), default=0, validators=_positive(256))
    backups_count = models.PositiveIntegerField(_("backups"), default=0, validators=_positive(100))
    snapshots_count = models.PositiveIntegerField(_("snapshots"), default=0, validators=_positive(100))
    snapshot_lifetime_days = models.PositiveIntegerField(
        _("snapshot lifetime (days)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    # Storage
    storage = models.CharField(_("storage"), max_length=100, default="local-lvm")
    additional_disk_storage = models.CharField(
        _("additional disk storage"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the system disk's storage."),
    )
    node = models.CharField(
        _("node"), max_length=100, blank=True, help_text=_("Empty: the node with the most free memory.")
    )
    iso_storage = models.CharField(_("ISO storage"), max_length=100, blank=True)
    backup_storage = models.CharField(_("backup storage"), max_length=100, blank=True)
    # Network
    bridge = models.CharField(_("bridge"), max_length=50, default="vmbr0")
    vlan = models.PositiveIntegerField(
        _("VLAN"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4094)]
    )
    dhcp = models.BooleanField(
        _("DHCP mode"),
        default=False,
        help_text=_("No address allocation and no IP filter; bridge, VLAN and rate only."),
    )
    # Firewall (SPEC S13)
    firewall_enabled = models.BooleanField(_("firewall"), default=False)
    firewall_dhcp = models.BooleanField(_("allow DHCP"), default=True)
    firewall_ndp = models.BooleanField(_("allow NDP"), default=True)
    firewall_macfilter = models.BooleanField(_("MAC filter"), default=True)
    firewall_ipfilter = models.BooleanField(_("IP filter"), default=True)
    firewall_log_level_in = models.CharField(
        _("input log level"), max_length=10, choices=FirewallLogLevel.choices, default=FirewallLogLevel.NOLOG
    )
    firewall_log_level_out = models.CharField(
        _("output log level"), max_length=10, choices=FirewallLogLevel.choices, default=FirewallLogLevel.NOLOG
    )
    firewall_policy_in = models.CharField(
        _("input policy"), max_length=10, choices=FirewallPolicy.choices, default=FirewallPolicy.ACCEPT
    )
    firewall_policy_out = models.CharField(
        _("output policy"), max_length=10, choices=FirewallPolicy.choices, default=FirewallPolicy.ACCEPT
    )
    # Naming and access
    name_prefix = models.SlugField(_("name prefix"), max_length=30, default="vps")
    hostname_template = models.CharField(_("hostname template"), max_length=200, default=DEFAULT_TEMPLATE)
    vm_username = models.CharField(_("VM user"), max_length=32, default="root")
    # What the plan's clients may do in the client area (SPEC S17); a feature not granted is neither shown in the
    # page nor accepted by /api/v1/client/ (see `client_may`).
    client_power = models.BooleanField(_("client: power"), default=True)
    client_console = models.BooleanField(_("client: console"), default=True)
    client_graphs = models.BooleanField(_("client: graphs"), default=True)
    client_snapshots = models.BooleanField(_("client: snapshots"), default=True)
    client_backups = models.BooleanField(_("client: backups"), default=True)
    client_firewall = models.BooleanField(_("client: firewall"), default=True)
    client_iso = models.BooleanField(_("client: ISO images"), default=True)
    client_reinstall = models.BooleanField(_("client: reinstall"), default=True)
    client_password = models.BooleanField(_("client: reset password"), default=True)
    client_rdns = models.BooleanField(_("client: reverse DNS"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["name"]
        constraints = [
            # removeOldSnapshots deletes what is older than this: a 0 that skipped the form's validators would
            # delete every snapshot as soon as it is made (SPEC S8: 1 to 10 days).
            models.CheckConstraint(
                condition=Q(snapshot_lifetime_days__gte=1) & Q(snapshot_lifetime_days__lte=10),
                name="plan_snapshot_lifetime_1_to_10_days",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.server_group_id is not None:
            self.server_group_name = self.server_group.name if self.server_group else ""
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, "server_group_name"}
        super().save(*args, **kwargs)

    def client_may(self, feature: ClientFeature | str) -> bool:
        """Whether the plan's clients get `feature` in the client area."""
        return bool(getattr(self, f"client_{ClientFeature(feature).value}"))

    def client_features(self) -> frozenset[str]:
        """The features the plan's clients get, by name: what a page shows and the client API accepts."""
        return frozenset(feature.value for feature in ClientFeature if self.client_may(feature))


class Service(models.Model):
    """One billing service and the VM that serves it; `state` is where its lifecycle stands."""

    billing_service_id = models.CharField(_("billing service id"), max_length=64, unique=True)
    client_ref = models.CharField(_("client id"), max_length=64, db_index=True)
    client_email = models.EmailField(_("client e-mail"), blank=True)
    client_name = models.CharField(_("client name"), max_length=200, blank=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="services")
    options = models.JSONField(
        _("configurable options"),
        default=dict,
        blank=True,
        help_text=_("Overrides of the plan, by option name."),
    )
    server = models.ForeignKey(Server, on_delete=models.PROTECT, null=True, blank=True, related_name="services")
    template = models.ForeignKey(Template, on_delete=models.SET_NULL, null=True, blank=True, related_name="services")
    vmid = models.PositiveIntegerField(_("VMID"), null=True, blank=True)
    node = models.CharField(_("node"), max_length=100, blank=True)
    placed_on = models.CharField(
        _("target node"),
        max_length=100,
        blank=True,
        help_text=_("The node placement chose; workers count what is placed there but not yet running."),
    )
    # What the VM takes on that node once built, recorded with the placement so every worker can sum what is placed
    # but not yet visible in Proxmox's figures with one query.
    placed_memory = models.BigIntegerField(_("placed memory (bytes)"), default=0)
    placed_disk = models.BigIntegerField(_("placed disk (bytes)"), default=0)
    hostname = models.CharField(_("hostname"), max_length=253, blank=True)
    vm_name = models.CharField(_("VM name"), max_length=100, blank=True)
    # No `choices` on the field: each operation adds its states, and labels (ServiceState) need no migration.
    state = models.CharField(_("state"), max_length=40, default=states.NEW, db_index=True)
    state_changed_at = models.DateTimeField(_("state changed at"), auto_now_add=True)
    last_error = models.TextField(_("last error"), blank=True)
    username = models.CharField(_("VM user"), max_length=32, default="root")
    password = EncryptedTextField(_("VM password"), blank=True)
    # Where the worker stands with this service (SPEC S16). The state names the operation in flight (see
    # proxvps.domain.transitions.operation_for); `task_upid` is the Proxmox task a step started and comes back
    # for; `next_attempt_at` is when the service is due again (None: now). A worker claims a service by writing
    # its name and an expiry into the lease fields with a conditional UPDATE, so two processes never run one
    # service's steps at once.
    task_upid = models.CharField(_("Proxmox task"), max_length=200, blank=True)
    step_attempts = models.PositiveIntegerField(_("attempts at the current step"), default=0)
    step_started_at = models.DateTimeField(_("current step started at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, db_index=True)
    lease_owner = models.CharField(_("claimed by"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("claim expires at"), null=True, blank=True)
    request = models.ForeignKey(
        "OperationRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The request whose operation is in flight, or ran last: its steps read their parameters there."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["-created_at"]
        constraints = [
            # A VMID is reserved in our database before the clone: two services never share one on a cluster.
            models.UniqueConstraint(
                fields=["server", "vmid"],
                condition=Q(vmid__isnull=False),
                name="service_vmid_unique_per_server",
            )
        ]

    def __str__(self) -> str:
        return f"{self.billing_service_id} ({self.hostname or self.plan.name})"

    @property
    def state_label(self) -> str:
        """The state as a person reads it."""
        return str(ServiceState(self.state).label) if self.state in ServiceState.values else self.state

    @property
    def is_locked(self) -> bool:
        """True when the client area and the client API must refuse the client: the service is suspended (or on the
        way in or out of it) or terminated (SPEC S6). Staff and the billing system are not locked out."""
        return self.state in LOCKED_STATES


class OperationRequest(models.Model):
    """One operation asked for a service (by the billing system, staff, a client or a periodic task): what, with
    which parameters, and where it stands. A request made while another operation is in flight waits here, in
    order, until the service is idle again; each run of an operation has its own row, so its events (a mail, say)
    can be keyed on it and happen once."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="requests")
    operation = models.CharField(_("operation"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    fields = models.JSONField(
        _("service changes"),
        default=dict,
        blank=True,
        help_text=_("Service fields written when the operation starts (a new plan and options, say)."),
    )
    secret = EncryptedTextField(_("secret parameter"), blank=True, help_text=_("A new password, say."))
    requested_by = models.CharField(_("requested by"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("operation request")
        verbose_name_plural = _("operation requests")
        ordering = ["service", "id"]

    def __str__(self) -> str:
        return f"{self.operation} ({self.status})"


class ActionLog(models.Model):
    """One row per lifecycle step: what ran, from which state to which, how long it took and how it ended."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="actions")
    operation = models.CharField(_("operation"), max_length=40)
    step = models.CharField(_("step"), max_length=100)
    from_state = models.CharField(_("from state"), max_length=40)
    to_state = models.CharField(_("to state"), max_length=40)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    duration = models.FloatField(_("duration (s)"), default=0.0)
    result = models.CharField(_("result"), max_length=10, choices=StepResult.choices)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        ordering = ["service", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.operation}: {self.step} {self.result}"


class ClientLoginLink(models.Model):
    """A one-time link into the client area, made for a billing system's single sign-on (WHMCS's
    ServiceSingleSignOn). Only a SHA-256 of the token is kept: the link works once, for at most two minutes, and a
    database read gives nobody a usable link."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="login_links")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("client login link")
        verbose_name_plural = _("client login links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.service.billing_service_id} until {self.expires_at:%H:%M:%S}"


class BackupSchedule(models.Model):
    """When a service's automatic backups run (SPEC S9): the weekdays its client picked, at a time of day drawn at
    random each time the schedule is saved, so that backups spread over the day instead of all starting at once."""

    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="backup_schedule")
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        help_text=_("ISO weekday numbers, 1 = Monday to 7 = Sunday, in order: 135 is Monday, Wednesday, Friday."),
    )
    time_of_day = models.TimeField(_("time of day"), help_text=_("Local time; drawn at random on every save."))
    last_run_on = models.DateField(
        _("last run on"), null=True, blank=True, help_text=_("The day the last scheduled backup was asked for.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("backup schedule")
        verbose_name_plural = _("backup schedules")
        ordering = ["time_of_day", "service"]

    def __str__(self) -> str:
        return f"{self.service_id}: {self.weekdays} at {self.time_of_day:%H:%M}"


class ReverseName(models.Model):
    """The name a client set for one of its service's addresses (its PTR record, SPEC S17: rDNS); an address with
    none points back to the service's hostname. The worker's DNS step writes it through the DNS providers."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="reverse_names")
    ip = models.GenericIPAddressField(_("address"))
    hostname = models.CharField(_("reverse name"), max_length=253)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reverse name")
        verbose_name_plural = _("reverse names")
        ordering = ["service", "ip"]
        constraints = [models.UniqueConstraint(fields=["service", "ip"], name="reverse_name_unique_per_address")]

    def __str__(self) -> str:
        return f"{self.ip} -> {self.hostname}"


class Tunable(models.Model):
    """A worker setting staff changed in the console (SPEC S18: settings), over the environment's default: see
    `proxvps.inventory.tunables`."""

    name = models.CharField(_("setting"), max_length=64, unique=True)
    value = models.FloatField(_("value"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("setting")
        verbose_name_plural = _("settings")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} = {self.value:g}"
