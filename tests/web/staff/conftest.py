"""Staff members of each role, signed in through the console's own sign-in page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

PASSWORD = "Staff-Pa55word-x9"


def member(username: str, role: str | None) -> User:
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
