"""Staff members of each role, signed in through the console's own sign-in page."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.test import Client

PASSWORD = "Staff-Pa55word-x9"


def member(username: str, role: str | None) -> User:
    """A new staff member of `role` (None: no role). A transactional test's database was flushed, taking the roles
    the migration made with it: they are made again by the migration's own function."""
    if role is not None and not Group.objects.filter(name=role).exists():
        importlib.import_module("proxvps.web.migrations.0001_staff_roles").create_roles(apps, None)
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


def signed_in(username: str, role: str | None) -> Client:
    """A browser signed in at /staff/sign-in/ as a new member of `role`."""
    member(username, role)
    browser = Client()
    response = browser.post("/staff/sign-in/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return browser


@pytest.fixture
def viewer(db) -> Client:
    return signed_in("vera", "Viewer")


@pytest.fixture
def operator(db) -> Client:
    return signed_in("otto", "Operator")


@pytest.fixture
def administrator(db) -> Client:
    return signed_in("ada", "Administrator")
