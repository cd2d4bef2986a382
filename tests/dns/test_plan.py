"""Plans: wanted record sets against what a zone holds give the fewest changes, none when nothing differs."""

from __future__ import annotations

from proxvps.dns import Change, RecordSet, plan_removal, plan_sync

HOST = "vps1.example.test"


def rs(rtype: str, *values: str, ttl: int = 300, name: str = HOST) -> RecordSet:
    return RecordSet.of(name, rtype, values, ttl)


def test_what_is_missing_is_created_and_what_is_unwanted_deleted() -> None:
    plan = plan_sync("example.test.", [rs("AAAA", "2001:db8::10")], [rs("A", "192.0.2.10"), rs("AAAA")])
    assert plan.zone == "example.test"
    assert [(c.action, c.key) for c in plan.changes] == [("create", (HOST, "A")), ("delete", (HOST, "AAAA"))]


def test_a_zone_that_already_holds_what_is_wanted_gets_an_empty_plan() -> None:
    have = [RecordSet.of("VPS1.example.test.", "AAAA", ["2001:0db8::0010"], 300), rs("A", "192.0.2.10")]
    plan = plan_sync("example.test", have, [rs("A", "192.0.2.10"), rs("AAAA", "2001:db8::10"), rs("PTR")])
    assert plan.empty


def test_a_different_value_or_ttl_is_an_update() -> None:
    plan = plan_sync("example.test", [rs("A", "192.0.2.10", ttl=3600)], [rs("A", "192.0.2.10")])
    assert [(c.action, c.before, c.after) for c in plan.changes] == [
        ("update", rs("A", "192.0.2.10", ttl=3600), rs("A", "192.0.2.10"))
    ]


def test_names_nobody_asked_about_are_left_alone() -> None:
    other = rs("A", "198.51.100.1", name="www.example.test")
    assert plan_sync("example.test", [other], [rs("A", "192.0.2.10")]).changes == (Change(None, rs("A", "192.0.2.10")),)


def test_removal_keeps_other_values_and_ignores_values_that_are_not_there() -> None:
    have = [rs("A", "192.0.2.10", "198.51.100.1"), rs("PTR", "other.example.test", name="10.2.0.192.in-addr.arpa")]
    plan = plan_removal(
        "example.test",
        have,
        [rs("A", "192.0.2.10"), rs("PTR", HOST, name="10.2.0.192.in-addr.arpa"), rs("AAAA", "2001:db8::1")],
    )
    assert [(c.action, c.after) for c in plan.changes] == [("update", rs("A", "198.51.100.1"))]
    assert plan_removal("example.test", have, [rs("A", "192.0.2.10", "198.51.100.1")]).changes[0].action == "delete"


def test_edits_rewrite_in_place_before_adding_or_removing() -> None:
    change = Change(rs("A", "192.0.2.1", "192.0.2.2"), rs("A", "192.0.2.2", "192.0.2.3", "192.0.2.4"))
    assert change.edits() == [("192.0.2.1", "192.0.2.3"), (None, "192.0.2.4")]
    shrink = Change(rs("A", "192.0.2.1", "192.0.2.2"), rs("A", "192.0.2.3"))
    assert shrink.edits() == [("192.0.2.1", "192.0.2.3"), ("192.0.2.2", None)]
    ttl_only = Change(rs("A", "192.0.2.1", ttl=60), rs("A", "192.0.2.1"))
    assert ttl_only.edits() == [("192.0.2.1", "192.0.2.1")]
    assert Change(rs("A", "192.0.2.1"), None).edits() == [("192.0.2.1", None)]
