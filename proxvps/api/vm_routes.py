"""The operations on a service's VM that a client and staff share: snapshots, backups and their schedule, ISO
images, reinstall, firewall rules and policies (SPEC S7 to S10, S13). They are defined once and registered on
each audience's router, so the two cannot drift apart in what a route takes or answers.

An `Audience` says what differs: how the service is found (a client's own and unlocked, by billing id; any, by
row id, for staff), how the answer shows it, which auth a change takes, and how a request is signed. The lifecycle
validates and refuses with one sentence (409 or 422, see `errors`) whoever asks.
"""

# No `from __future__ import annotations` here: ninja reads a route's parameter types from its signature, and the
# type of `service_id` is the audience's, set on each route as it is registered (`add_vm_routes`).

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET

from proxvps.api import operations
from proxvps.api.errors import answers
from proxvps.api.schemas import (
    BackupOut,
    BackupScheduleIn,
    BackupScheduleOut,
    Digest,
    FirewallMoveIn,
    FirewallPoliciesOut,
    FirewallPolicyIn,
    FirewallRuleIn,
    FirewallRulesOut,
    IsoOut,
    Position,
    ReinstallIn,
    SnapshotIn,
    SnapshotOut,
    TemplateOut,
    VolumeIn,
)
from proxvps.inventory.models import Service
from proxvps.lifecycle import backups, firewall_rules, isos, snapshots
from proxvps.lifecycle.backup_schedule import set_backup_schedule
from proxvps.lifecycle.reinstall import request_reinstall

View = Callable[..., Any]


@dataclass(frozen=True)
class Audience:
    """Who the routes serve, and what that changes."""

    module: str
    """The module the routes are registered from: their operation ids carry its name, as ninja names them."""
    key: Any
    """The type of the `service_id` path parameter."""
    find: Callable[[HttpRequest, Any], Service]
    """The service the caller may act on (404 or 403 otherwise), for a read and for a change."""
    view: Callable[[HttpRequest, Any], dict[str, Any]]
    """The service as a change answers with it."""
    service_out: Any
    """The schema of that answer."""
    write_auth: Any
    """The auth of a change; NOT_SET for the router's own."""
    requested_by: Callable[[HttpRequest], str]
    """Who asked, as a request records it."""
    permit: Callable[[Service, str], None] = lambda service, feature: None
    """Refuses (403) a feature the caller may not use on the service: a client's plan grants each one (SPEC S17);
    staff may use all."""


def add_vm_routes(router: Router, path: str, audience: Audience) -> None:
    """Register the shared routes on `router`, under `path` (which holds `{service_id}`)."""

    def route(method: str, suffix: str, response: Any, change: bool = False) -> Callable[[View], View]:
        def register(view: View) -> View:
            view.__annotations__["service_id"] = audience.key
            add = getattr(router, method)
            add(
                path + suffix,
                response=answers(response),
                auth=audience.write_auth if change else NOT_SET,
                operation_id=f"{audience.module.replace('.', '_')}_{view.__name__}",
            )(view)
            return view

        return register

    show, by, service_out = audience.view, audience.requested_by, audience.service_out

    def find(request: HttpRequest, service_id: Any, feature: str) -> Service:
        service = audience.find(request, service_id)
        audience.permit(service, feature)
        return service

    # ------------------------------------------------------------------------------------------------ snapshots

    @route("get", "/snapshots", list[SnapshotOut])
    def list_snapshots(request: HttpRequest, service_id: Any) -> list[dict[str, Any]]:
        """The VM's snapshots, oldest first."""
        return operations.snapshots_of(find(request, service_id, "snapshots"))

    @route("post", "/snapshots", service_out, change=True)
    def create_snapshot(request: HttpRequest, service_id: Any, body: SnapshotIn) -> dict[str, Any]:
        """Ask for a snapshot (disks only); refused over the package's snapshot count or for a name in use."""
        snapshots.request_snapshot_create(
            find(request, service_id, "snapshots"), body.name, description=body.description, requested_by=by(request)
        )
        return show(request, service_id)

    @route("delete", "/snapshots/{name}", service_out, change=True)
    def delete_snapshot(request: HttpRequest, service_id: Any, name: str) -> dict[str, Any]:
        snapshots.request_snapshot_delete(find(request, service_id, "snapshots"), name, requested_by=by(request))
        return show(request, service_id)

    @route("post", "/snapshots/{name}/rollback", service_out, change=True)
    def rollback_snapshot(request: HttpRequest, service_id: Any, name: str) -> dict[str, Any]:
        """Bring the VM back to the snapshot (the package applied again) and start it."""
        snapshots.request_snapshot_rollback(find(request, service_id, "snapshots"), name, requested_by=by(request))
        return show(request, service_id)

    # -------------------------------------------------------------------------------------------------- backups

    @route("get", "/backups", list[BackupOut])
    def list_backups(request: HttpRequest, service_id: Any) -> list[dict[str, Any]]:
        """The VM's backups, oldest first."""
        return operations.backups_of(find(request, service_id, "backups"))

    @route("post", "/backups", service_out, change=True)
    def create_backup(request: HttpRequest, service_id: Any) -> dict[str, Any]:
        """Ask for a backup; refused over the package's backup count."""
        backups.request_backup_create(find(request, service_id, "backups"), requested_by=by(request))
        return show(request, service_id)

    @route("post", "/backups/delete", service_out, change=True)
    def delete_backup(request: HttpRequest, service_id: Any, body: VolumeIn) -> dict[str, Any]:
        backups.request_backup_delete(find(request, service_id, "backups"), body.volid, requested_by=by(request))
        return show(request, service_id)

    @route("post", "/backups/restore", service_out, change=True)
    def restore_backup(request: HttpRequest, service_id: Any, body: VolumeIn) -> dict[str, Any]:
        """Restore the VM from the backup (refused while the VM runs) and start it."""
        backups.request_backup_restore(find(request, service_id, "backups"), body.volid, requested_by=by(request))
        return show(request, service_id)

    @route("get", "/backup-schedule", BackupScheduleOut)
    def get_backup_schedule(request: HttpRequest, service_id: Any) -> BackupScheduleOut:
        return operations.schedule_of(find(request, service_id, "backups"))

    @route("put", "/backup-schedule", BackupScheduleOut, change=True)
    def put_backup_schedule(request: HttpRequest, service_id: Any, body: BackupScheduleIn) -> BackupScheduleOut:
        """Back up on these weekdays at a time of day drawn anew; no weekday removes the schedule."""
        service = find(request, service_id, "backups")
        set_backup_schedule(service, body.weekdays)
        return operations.schedule_of(service)

    # ----------------------------------------------------------------------------------------- ISOs, reinstall

    @route("get", "/isos", dict[str, list[IsoOut]])
    def list_isos(request: HttpRequest, service_id: Any) -> dict[str, list[dict[str, Any]]]:
        """The images of the plan's ISO storage by group (the text before the first `-`, else OTHER)."""
        return operations.isos_of(find(request, service_id, "iso"))

    @route("post", "/iso", service_out, change=True)
    def mount_iso(request: HttpRequest, service_id: Any, body: VolumeIn) -> dict[str, Any]:
        isos.request_mount_iso(find(request, service_id, "iso"), body.volid, requested_by=by(request))
        return show(request, service_id)

    @route("delete", "/iso", service_out, change=True)
    def unmount_iso(request: HttpRequest, service_id: Any) -> dict[str, Any]:
        isos.request_unmount_iso(find(request, service_id, "iso"), requested_by=by(request))
        return show(request, service_id)

    @route("get", "/templates", list[TemplateOut])
    def list_templates(request: HttpRequest, service_id: Any) -> list[dict[str, Any]]:
        """The operating systems the plan offers for a reinstall."""
        return operations.templates_of(find(request, service_id, "reinstall"))

    @route("post", "/reinstall", service_out, change=True)
    def reinstall(request: HttpRequest, service_id: Any, body: ReinstallIn) -> dict[str, Any]:
        """Rebuild the VM from a template the plan offers, keeping its addresses and VMID; snapshots are deleted."""
        service = find(request, service_id, "reinstall")
        request_reinstall(service, operations.template_or_422(body.template), requested_by=by(request))
        return show(request, service_id)

    # ------------------------------------------------------------------------------------------------- firewall

    @route("get", "/firewall/rules", FirewallRulesOut)
    def list_rules(request: HttpRequest, service_id: Any) -> FirewallRulesOut:
        return operations.rules_of(find(request, service_id, "firewall"))

    @route("post", "/firewall/rules", FirewallRulesOut, change=True)
    def add_rule(request: HttpRequest, service_id: Any, body: FirewallRuleIn) -> FirewallRulesOut:
        """Add the rule at the top of the list; 422 naming each refused field."""
        service = find(request, service_id, "firewall")
        firewall_rules.add_rule(service, operations.rule_fields(body))
        return operations.rules_of(service)

    @route("post", "/firewall/rules/move", FirewallRulesOut, change=True)
    def move_rule(request: HttpRequest, service_id: Any, body: FirewallMoveIn) -> FirewallRulesOut:
        service = find(request, service_id, "firewall")
        firewall_rules.move_rule(service, body.source, body.target, body.digest)
        return operations.rules_of(service)

    @route("delete", "/firewall/rules/{position}", FirewallRulesOut, change=True)
    def delete_rule(
        request: HttpRequest, service_id: Any, position: Position, digest: Digest | None = None
    ) -> FirewallRulesOut:
        """Delete the rule at `position` of the list whose `digest` the caller holds (409 if it changed since)."""
        service = find(request, service_id, "firewall")
        firewall_rules.delete_rule(service, position, digest)
        return operations.rules_of(service)

    @route("get", "/firewall/policies", FirewallPoliciesOut)
    def get_policies(request: HttpRequest, service_id: Any) -> FirewallPoliciesOut:
        return operations.policies_of(find(request, service_id, "firewall"))

    @route("put", "/firewall/policies", FirewallPoliciesOut, change=True)
    def set_policy(request: HttpRequest, service_id: Any, body: FirewallPolicyIn) -> FirewallPoliciesOut:
        """Set the input or output policy: what happens to packets no rule matches."""
        service = find(request, service_id, "firewall")
        firewall_rules.set_policy(service, body.direction, body.policy)
        return operations.policies_of(service)
