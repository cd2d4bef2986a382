"""A VM's firewall round trip: options, rules (create, update, move, delete) and IP sets with entries."""

from __future__ import annotations

import dataclasses

import pytest

from proxvps.proxmox import FirewallOptions, FirewallRuleSpec, ProxmoxApiError, ProxmoxConflictError


def test_firewall_options_are_set_and_read_back(client, vmid):
    wanted = FirewallOptions(
        enable=True,
        dhcp=True,
        ndp=True,
        macfilter=True,
        ipfilter=True,
        policy_in="DROP",
        policy_out="ACCEPT",
        log_level_in="info",
    )

    client.firewall.set_options("pve1", vmid, wanted)

    read = client.firewall.options("pve1", vmid)
    assert dataclasses.replace(read, digest=None) == wanted
    assert read.digest


def test_firewall_options_can_be_deleted_and_a_stale_digest_is_refused(client, vmid):
    client.firewall.set_options("pve1", vmid, FirewallOptions(enable=True, log_level_in="info"))
    stale = client.firewall.options("pve1", vmid)
    client.firewall.set_options("pve1", vmid, FirewallOptions(), delete=["log_level_in"])

    assert client.firewall.options("pve1", vmid).log_level_in is None
    with pytest.raises(ProxmoxConflictError):
        client.firewall.set_options("pve1", vmid, dataclasses.replace(stale, enable=False))


def test_rules_are_created_updated_moved_and_deleted(client, vmid):
    fw = client.firewall
    fw.create_rule("pve1", vmid, FirewallRuleSpec("in", "ACCEPT", proto="tcp", dport="22", comment="ssh"))
    fw.create_rule("pve1", vmid, FirewallRuleSpec("in", "ACCEPT", proto="tcp", dport="80:443", comment="web"))
    fw.create_rule("pve1", vmid, FirewallRuleSpec("out", "DROP", dest="192.0.2.0/24", enable=False))

    rules = fw.rules("pve1", vmid)
    assert [(r.pos, r.comment) for r in rules] == [(0, None), (1, "web"), (2, "ssh")]
    dropped = rules[0]
    assert (dropped.type, dropped.action, dropped.enable, dropped.dest) == (
        "out",
        "DROP",
        False,
        "192.0.2.0/24",
    )

    reject = FirewallRuleSpec("in", "REJECT", proto="tcp", comment="ssh")
    fw.update_rule("pve1", vmid, 2, reject, delete=["dport"])
    ssh = fw.rules("pve1", vmid)[2]
    assert (ssh.action, ssh.dport, ssh.comment, ssh.enable) == ("REJECT", None, "ssh", True)

    fw.move_rule("pve1", vmid, 0, 3, digest=fw.rules("pve1", vmid)[0].digest)
    assert [r.comment for r in fw.rules("pve1", vmid)] == ["web", "ssh", None]

    fw.delete_rule("pve1", vmid, 0)
    assert [r.comment for r in fw.rules("pve1", vmid)] == ["ssh", None]


def test_a_rule_write_with_a_stale_digest_is_refused(client, vmid):
    fw = client.firewall
    fw.create_rule("pve1", vmid, FirewallRuleSpec("in", "ACCEPT", dport="22", proto="tcp"))
    stale = fw.rules("pve1", vmid)[0].digest
    fw.create_rule("pve1", vmid, FirewallRuleSpec("in", "DROP"))

    with pytest.raises(ProxmoxConflictError):
        fw.delete_rule("pve1", vmid, 0, digest=stale)
    assert len(fw.rules("pve1", vmid)) == 2


def test_an_ipset_holds_entries_until_it_is_deleted(client, vmid):
    fw = client.firewall
    fw.create_ipset("pve1", vmid, "ipfilter-net0", comment="anti-spoofing")
    fw.add_ipset_entry("pve1", vmid, "ipfilter-net0", "192.0.2.10")
    fw.add_ipset_entry("pve1", vmid, "ipfilter-net0", "2001:db8::/64", comment="v6")
    fw.add_ipset_entry("pve1", vmid, "ipfilter-net0", "192.0.2.11", nomatch=True)

    assert [(s.name, s.comment) for s in fw.ipsets("pve1", vmid)] == [("ipfilter-net0", "anti-spoofing")]
    entries = {e.cidr: e for e in fw.ipset_entries("pve1", vmid, "ipfilter-net0")}
    assert set(entries) == {"192.0.2.10", "2001:db8::/64", "192.0.2.11"}
    assert entries["2001:db8::/64"].comment == "v6"
    assert entries["192.0.2.11"].nomatch

    fw.delete_ipset_entry("pve1", vmid, "ipfilter-net0", "2001:db8::/64")
    assert "2001:db8::/64" not in {e.cidr for e in fw.ipset_entries("pve1", vmid, "ipfilter-net0")}

    fw.delete_ipset("pve1", vmid, "ipfilter-net0", force=True)
    assert fw.ipsets("pve1", vmid) == []


def test_deleting_an_ipset_that_does_not_exist_is_told_apart_from_other_errors(client, vmid):
    with pytest.raises(ProxmoxApiError) as caught:
        client.firewall.delete_ipset("pve1", vmid, "ipfilter-net0")

    assert caught.value.missing
