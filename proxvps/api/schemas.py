"""Request and response bodies of the REST API.

Inputs carry the limits of the columns they end in (lengths, id ranges, a safe alphabet for ids that appear in
URLs), so a value the database would refuse is refused here first, with the field named, and never reaches it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from proxvps.domain.naming import DEFAULT_TEMPLATE
from proxvps.domain.options import DATABASE_INT_MAX
from proxvps.domain.usage import PERIOD_PATTERN

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""A billing system's service or client id: it is part of URLs, so no slash, space or percent sign."""
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
"""One line of printable text."""
PASSWORD_PATTERN = r"^$|^[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]{6,}[^\s\x00-\x1f\x7f]$"
"""Empty (a random one), or at least 8 printable characters with no blank at either end."""
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
PERIOD_QUERY_PATTERN = f"({PERIOD_PATTERN})|^$"

PATTERN_SENTENCES = {
    ID_PATTERN: gettext_lazy("Use letters, digits, dots, dashes and underscores, starting with a letter or a digit."),
    LINE_PATTERN: gettext_lazy("Use one line of text, without control characters."),
    PASSWORD_PATTERN: gettext_lazy(
        "Use at least 8 characters with no blank at either end, or leave it empty for a random password."
    ),
    SLUG_PATTERN: gettext_lazy("Use letters, digits, dashes and underscores only."),
    PERIOD_QUERY_PATTERN: gettext_lazy("Give the period as YYYY-MM, such as 2026-04, or leave it empty."),
}
"""What a person reads when a value does not match a pattern: the sentence, never the regular expression."""

BillingId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]


def _id_as_text(value: object) -> object:
    """A non-negative whole JSON number as the text of its digits; anything else as it came, for the checks."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return value


BillingIdIn = Annotated[
    BillingId,
    BeforeValidator(_id_as_text),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": 64, "pattern": ID_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
            ]
        }
    ),
]
"""A billing system's id in a request body: text, or a JSON number as WHMCS and most billing systems hold their
ids (stored as its digits)."""
Line = Annotated[str, StringConstraints(max_length=200, pattern=LINE_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE_PATTERN)]
Password = Annotated[str, StringConstraints(max_length=128, pattern=LINE_PATTERN)]
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
OptionValue = Annotated[int, Field(ge=-DATABASE_INT_MAX, le=DATABASE_INT_MAX)] | Line | None
Options = dict[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=LINE_PATTERN)], OptionValue]


class ErrorOut(Schema):
    """Every error answer: a short code, one sentence for a person, and per-field messages."""

    error: str
    detail: str
    fields: dict[str, str] = {}


# ----------------------------------------------------------------------------------------------------- catalogue


class PlanOut(Schema):
    id: int
    name: str
    cpu_cores: int
    ram_mb: int
    system_disk_gb: int
    additional_disk_gb: int
    ipv4_count: int
    ipv6_count: int


class TemplateOut(Schema):
    id: int
    server: str
    vmid: int
    name: str
    os_name: str
    has_cloudinit: bool


# ------------------------------------------------------------------------------------------------------ services


class ResourcesOut(Schema):
    """What the service gets: its plan's defaults with its configurable options applied (SPEC S3)."""

    cpu_cores: int
    ram_mb: int
    system_disk_gb: int
    additional_disk_gb: int
    system_disk_read_mbps: int
    system_disk_write_mbps: int
    system_disk_read_iops: int
    system_disk_write_iops: int
    additional_disk_read_mbps: int
    additional_disk_write_mbps: int
    additional_disk_read_iops: int
    additional_disk_write_iops: int
    network_mbps: int
    ipv4_count: int
    ipv6_count: int
    backups_count: int
    snapshots_count: int


class ClientServiceOut(Schema):
    """A service as its client sees it."""

    service_id: str
    state: str
    status: str
    """The state in words, in the request's language."""
    busy: bool
    """An operation (deploy, change of package, ...) is under way."""
    plan: str
    hostname: str
    vmid: int | None
    ipv4: list[str]
    ipv6: list[str]
    username: str
    operating_system: str
    resources: ResourcesOut | None
    """None when the stored options no longer fit the plan (staff must look)."""
    created_at: datetime


class ServiceOut(ClientServiceOut):
    """A service as a billing system sees it: also its client, where it runs, and its last error."""

    client_id: str
    node: str
    server: str | None
    last_error: str


class StaffServiceOut(ServiceOut):
    id: int


class ClientIn(Schema):
    id: BillingIdIn
    email: Annotated[str, StringConstraints(max_length=254, pattern=LINE_PATTERN)] = ""
    first_name: Line = ""
    last_name: Line = ""


class ServiceCreateIn(Schema):
    """An order: the billing system's service id is the key; ordering the same id again changes nothing."""

    service_id: BillingIdIn
    client: ClientIn
    plan: Name
    """The plan's name, as GET /billing/plans lists it."""
    options: Options = {}
    """Configurable options by name, as WHMCS gives them (plain or legacy names, SPEC S3)."""
    hostname: Annotated[str, StringConstraints(max_length=253, pattern=LINE_PATTERN)] = ""
    """Empty: the plan's hostname template names the VM."""
    password: Password = ""
    """Empty: a random password is generated."""


class ServiceChangeIn(Schema):
    """A change of package: a new plan, new options, or both; what is left out stays as it is."""

    plan: Name | None = None
    options: Options | None = None


PowerAction = Literal["start", "stop", "shutdown", "reboot", "reset"]


class PowerIn(Schema):
    action: PowerAction


NewPassword = Annotated[
    str,
    StringConstraints(max_length=128, pattern=PASSWORD_PATTERN),
]


class PasswordIn(Schema):
    """A new VM password: at least 8 characters, no blank at either end; empty: a random one, which the client sees
    in its area."""

    password: NewPassword = ""


class ResetStatusIn(Schema):
    """The state to reset a service to: ready, new (redeploy), suspended, error, terminate (retry) or remove
    (force-mark); what each does is in the staff console's table (`proxvps.lifecycle.staff.RESET_TARGETS`)."""

    state: Literal["ready", "new", "suspended", "error", "terminate", "remove"]


class MigrateIn(Schema):
    """The node of the service's cluster its VM moves to."""

    target: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]*$")]


class ReinstallIn(Schema):
    template: RowId | None = None
    """One of the templates the plan offers (GET /billing/templates); None: the one the service has."""


class SignOnOut(Schema):
    url: str
    """Opens the client area once, signed in as the service's client."""
    expires_at: datetime


class UsageOut(Schema):
    """A service's usage over one billing period (SPEC S20), from the worker's samples."""

    service_id: str
    hostname: str
    period: str
    net_in_bytes: int
    net_out_bytes: int
    disk_read_bytes: int
    disk_write_bytes: int
    disk_gb: int
    """The disk space the service has (system and additional disk)."""
    samples: int


class ActionLogOut(Schema):
    """One step of a service's history: what ran, from which state to which, how long and how it ended."""

    started_at: datetime
    operation: str
    step: str
    from_state: str
    to_state: str
    duration: float
    result: str
    message: str


class CredentialsOut(Schema):
    username: str
    password: str


# -------------------------------------------------------------------------------------------------------- staff


class ServerOut(Schema):
    id: int
    name: str
    url: str
    token_id: str
    fingerprint: str
    ca_file: str
    connect_timeout: float
    read_timeout: float
    enabled: bool
    has_token_secret: bool
    """The secret itself is never sent back (SPEC S21)."""


ConnectTimeout = Annotated[float, Field(ge=0.1, le=120, allow_inf_nan=False)]
ReadTimeout = Annotated[float, Field(ge=0.1, le=600, allow_inf_nan=False)]


class ServerIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SLUG_PATTERN)]
    url: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)]
    token_id: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)]
    token_secret: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=LINE_PATTERN)]
    fingerprint: Annotated[str, StringConstraints(max_length=95, pattern=LINE_PATTERN)] = ""
    ca_file: Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)] = ""
    connect_timeout: ConnectTimeout = 5.0
    read_timeout: ReadTimeout = 30.0
    enabled: bool = True


class ServerPatch(Schema):
    """Only what is given changes; an absent or empty token_secret keeps the stored one."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=SLUG_PATTERN)] | None = None
    url: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)] | None = None
    token_id: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)] | None = None
    token_secret: Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)] | None = None
    fingerprint: Annotated[str, StringConstraints(max_length=95, pattern=LINE_PATTERN)] | None = None
    ca_file: Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)] | None = None
    connect_timeout: ConnectTimeout | None = None
    read_timeout: ReadTimeout | None = None
    enabled: bool | None = None


class ServerGroupOut(Schema):
    id: int
    name: str
    servers: list[int]


class ServerGroupIn(Schema):
    name: Name
    servers: list[RowId] = []


class ServerGroupPatch(Schema):
    name: Name | None = None
    servers: list[RowId] | None = None


class RangeSchema(Schema):
    first: Annotated[str, StringConstraints(min_length=1, max_length=45, pattern=LINE_PATTERN)]
    last: Annotated[str, StringConstraints(min_length=1, max_length=45, pattern=LINE_PATTERN)]


IpText = Annotated[str, StringConstraints(min_length=1, max_length=45, pattern=LINE_PATTERN)]
Vlan = Annotated[int, Field(ge=1, le=4094)]


class PoolOut(Schema):
    id: int
    server: int
    name: str
    network: str
    gateway: str | None
    dns1: str | None
    dns2: str | None
    bridge: str
    vlan: int | None
    ranges: list[RangeSchema]
    size: int
    used: int
    free: int


class PoolIn(Schema):
    server: RowId
    name: Name
    network: Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=LINE_PATTERN)]
    gateway: IpText | None = None
    dns1: IpText | None = None
    dns2: IpText | None = None
    bridge: Annotated[str, StringConstraints(max_length=50, pattern=LINE_PATTERN)] = ""
    vlan: Vlan | None = None
    ranges: list[RangeSchema] = []


class PoolPatch(Schema):
    """Only what is given changes; `ranges`, when given, replaces the pool's ranges."""

    name: Name | None = None
    gateway: IpText | None = None
    dns1: IpText | None = None
    dns2: IpText | None = None
    bridge: Annotated[str, StringConstraints(max_length=50, pattern=LINE_PATTERN)] | None = None
    vlan: Vlan | None = None
    ranges: list[RangeSchema] | None = None


ProviderName = Literal["powerdns", "cloudflare", "hestiacp"]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=253, pattern=LINE_PATTERN)]
Secret = Annotated[str, StringConstraints(max_length=1000, pattern=LINE_PATTERN)]


class ZoneOut(Schema):
    id: int
    name: str
    provider: str
    url: str
    server_id: str
    ttl: int
    enabled: bool
    has_credentials: bool
    """The key itself is never sent back (SPEC S12, S21)."""


class ZoneIn(Schema):
    name: ZoneName
    provider: ProviderName
    url: Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)] = ""
    credentials: Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=LINE_PATTERN)]
    server_id: Annotated[str, StringConstraints(max_length=100, pattern=LINE_PATTERN)] = ""
    ttl: Annotated[int, Field(ge=60, le=604800)] = 3600
    enabled: bool = True


class ZonePatch(Schema):
    """Only what is given changes; an absent or empty `credentials` keeps the stored key."""

    name: ZoneName | None = None
    provider: ProviderName | None = None
    url: Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)] | None = None
    credentials: Secret | None = None
    server_id: Annotated[str, StringConstraints(max_length=100, pattern=LINE_PATTERN)] | None = None
    ttl: Annotated[int, Field(ge=60, le=604800)] | None = None
    enabled: bool | None = None


Count = Annotated[int, Field(ge=0, le=DATABASE_INT_MAX)]
PolicyName = Literal["ACCEPT", "REJECT", "DROP"]
LogLevel = Literal["nolog", "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
Short = Annotated[str, StringConstraints(max_length=100, pattern=LINE_PATTERN)]


class PlanFields(Schema):
    """A plan's settings (SPEC S3): every resource's default, storage, network, firewall and naming."""

    server_group: RowId | None = None
    template: RowId | None = None
    templates: list[RowId] = []
    cpu_cores: Count = 1
    ram_mb: Count = 1024
    system_disk_gb: Count = 10
    additional_disk_gb: Count = 0
    system_disk_read_mbps: Count = 0
    system_disk_write_mbps: Count = 0
    system_disk_read_iops: Count = 0
    system_disk_write_iops: Count = 0
    additional_disk_read_mbps: Count = 0
    additional_disk_write_mbps: Count = 0
    additional_disk_read_iops: Count = 0
    additional_disk_write_iops: Count = 0
    network_mbps: Count = 0
    ipv4_count: Count = 1
    ipv6_count: Count = 0
    backups_count: Count = 0
    snapshots_count: Count = 0
    snapshot_lifetime_days: Count = 3
    storage: Short = "local-lvm"
    additional_disk_storage: Short = ""
    node: Short = ""
    iso_storage: Short = ""
    backup_storage: Short = ""
    bridge: Annotated[str, StringConstraints(max_length=50, pattern=LINE_PATTERN)] = "vmbr0"
    vlan: Vlan | None = None
    dhcp: bool = False
    firewall_enabled: bool = False
    firewall_dhcp: bool = True
    firewall_ndp: bool = True
    firewall_macfilter: bool = True
    firewall_ipfilter: bool = True
    firewall_log_level_in: LogLevel = "nolog"
    firewall_log_level_out: LogLevel = "nolog"
    firewall_policy_in: PolicyName = "ACCEPT"
    firewall_policy_out: PolicyName = "ACCEPT"
    name_prefix: Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=SLUG_PATTERN)] = "vps"
    hostname_template: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)] = (
        DEFAULT_TEMPLATE
    )
    vm_username: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=LINE_PATTERN)] = "root"
    # Client permissions (SPEC S17): what the plan's clients may do in the client area.
    client_power: bool = True
    client_console: bool = True
    client_graphs: bool = True
    client_snapshots: bool = True
    client_backups: bool = True
    client_firewall: bool = True
    client_iso: bool = True
    client_reinstall: bool = True
    client_password: bool = True
    client_rdns: bool = True


class PlanIn(PlanFields):
    name: Name


class PlanPatch(PlanFields):
    """Only the fields given change (the defaults above do not apply to a change)."""

    name: Name | None = None


class StaffPlanOut(PlanFields):
    id: int
    name: str


# --------------------------------------------------------------------------------------- operations on a service


class SnapshotOut(Schema):
    name: str
    description: str
    created_at: datetime | None


class SnapshotIn(Schema):
    name: Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=LINE_PATTERN)]
    """Letters, digits, `-` and `_`, starting with a letter (Proxmox's rule; the lifecycle says which is wrong)."""
    description: Annotated[str, StringConstraints(max_length=255, pattern=LINE_PATTERN)] = ""


VolumeId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=LINE_PATTERN)]


class BackupOut(Schema):
    volid: str
    """`backup:backup/vzdump-qemu-...`: what a delete or restore names."""
    filename: str
    size: int | None
    created_at: datetime | None


class VolumeIn(Schema):
    volid: VolumeId


class BackupScheduleOut(Schema):
    weekdays: list[int]
    """ISO weekday numbers, 1 = Monday to 7 = Sunday; empty: no automatic backups."""
    time_of_day: str | None
    """HH:MM, drawn at random each time the schedule is saved."""


class BackupScheduleIn(Schema):
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(default=[], max_length=7)


class IsoOut(Schema):
    volid: str
    name: str
    size: int | None


class FirewallRuleOut(Schema):
    pos: int
    type: str
    action: str
    enable: bool
    iface: str | None
    source: str | None
    dest: str | None
    proto: str | None
    sport: str | None
    dport: str | None
    log: str | None
    comment: str | None


class FirewallRulesOut(Schema):
    rules: list[FirewallRuleOut]
    """First evaluated first."""
    digest: str | None
    """Pass it back with a delete or move: the change is refused (409) if the rules changed since."""


RuleText = Annotated[str, StringConstraints(max_length=255, pattern=LINE_PATTERN)]


class FirewallRuleIn(Schema):
    """A rule to add at the top of the list; every field is checked and each refused one is named (422)."""

    direction: RuleText
    action: RuleText
    enable: bool = True
    protocol: RuleText | None = None
    source: RuleText | None = None
    dest: RuleText | None = None
    sport: RuleText | None = None
    dport: RuleText | None = None
    iface: RuleText | None = None
    log: RuleText | None = None
    comment: RuleText | None = None


Digest = Annotated[str, StringConstraints(max_length=64, pattern=LINE_PATTERN)]
Position = Annotated[int, Field(ge=0, le=10000)]


class FirewallMoveIn(Schema):
    source: Position
    target: Position
    digest: Digest | None = None


class FirewallPoliciesOut(Schema):
    policy_in: str
    policy_out: str


class FirewallPolicyIn(Schema):
    direction: Literal["in", "out"]
    policy: PolicyName
