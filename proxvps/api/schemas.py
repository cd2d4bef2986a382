"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ErrorOut(Schema):
    """Every error answer: a short code, one sentence for a person, and per-field messages."""

    error: str
    detail: str
    fields: dict[str, str] = {}


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


class ServerOut(Schema):
    id: int
    name: str
    url: str
    token_id: str
    enabled: bool


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
