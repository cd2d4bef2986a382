"""Hostnames and VM names from the plan's template: valid RFC 1123 names, or a refusal saying why."""

import pytest
from fakepve.formats import check

from proxvps.domain.naming import DEFAULT_TEMPLATE, render_hostname, vm_name

SERVICE = {"prefix": "vps", "client_id": "12", "service_id": "345"}


@pytest.mark.parametrize(
    ("template", "values", "hostname"),
    [
        pytest.param(DEFAULT_TEMPLATE, SERVICE, "vps-12-345", id="default"),
        pytest.param(DEFAULT_TEMPLATE, {**SERVICE, "prefix": "VPS"}, "vps-12-345", id="lower-cased"),
        pytest.param(
            "{prefix}{service_id}.{domain}",
            {**SERVICE, "domain": "Example.COM"},
            "vps345.example.com",
            id="fqdn",
        ),
        pytest.param("srv-{service_id}", SERVICE, "srv-345", id="literal-text"),
        pytest.param("{client_id}", SERVICE, "12", id="digits-only"),
        pytest.param("{prefix}-{service_id}", {**SERVICE, "domain": "unused.example"}, "vps-345", id="domain-unused"),
        pytest.param("{prefix}-{service_id}", {**SERVICE, "prefix": "a" * 59}, "a" * 59 + "-345", id="63-chars"),
    ],
)
def test_render_hostname_gives_a_valid_lower_case_name(template: str, values: dict[str, str], hostname: str) -> None:
    rendered = render_hostname(template, **values)

    assert rendered == hostname
    assert vm_name(rendered) == hostname
    assert check("dns-name", vm_name(rendered)) is None


@pytest.mark.parametrize(
    ("template", "values", "message"),
    [
        pytest.param("{prefix}-{user}", SERVICE, r"uses \{user\}; only", id="unknown-placeholder"),
        pytest.param("{}-{service_id}", SERVICE, r"uses \{\}; only", id="positional"),
        pytest.param("{0}", SERVICE, r"uses \{0\}; only", id="numbered"),
        pytest.param("{prefix.upper}", SERVICE, r"uses \{prefix.upper\}", id="attribute"),
        pytest.param("{prefix!r}-1", SERVICE, "without a format or conversion", id="conversion"),
        pytest.param("{prefix:>9}-1", SERVICE, "without a format or conversion", id="format-spec"),
        pytest.param("{prefix", SERVICE, "is malformed", id="unbalanced-brace"),
        pytest.param("{prefix}.{domain}", SERVICE, "has no domain", id="domain-missing"),
        pytest.param(DEFAULT_TEMPLATE, {**SERVICE, "prefix": "vps_"}, "cannot hold: '_'", id="underscore"),
        pytest.param(DEFAULT_TEMPLATE, {**SERVICE, "prefix": "my vps"}, "cannot hold: ' '", id="space"),
        pytest.param(DEFAULT_TEMPLATE, {**SERVICE, "prefix": "vpé"}, "cannot hold: 'é'", id="non-ascii"),
        pytest.param("{{prefix}}", SERVICE, r"cannot hold: '\{' '\}'", id="escaped-braces"),
        pytest.param(
            DEFAULT_TEMPLATE, {**SERVICE, "prefix": "-vps"}, "start or end with a hyphen", id="leading-hyphen"
        ),
        pytest.param("{prefix}-", SERVICE, "start or end with a hyphen", id="trailing-hyphen"),
        pytest.param("{prefix}..{service_id}", SERVICE, "empty label", id="double-dot"),
        pytest.param("{prefix}.", SERVICE, "empty label", id="trailing-dot"),
        pytest.param("{prefix}", {**SERVICE, "prefix": ""}, "hostname is empty", id="empty"),
        pytest.param("{prefix}", {**SERVICE, "prefix": "a" * 64}, "64 characters long; at most 63", id="long-label"),
        pytest.param(
            "{prefix}.{domain}",
            {**SERVICE, "prefix": "a" * 63, "domain": ".".join(["b" * 63] * 3)},
            "255 characters long; at most 253",
            id="long-name",
        ),
    ],
)
def test_render_hostname_refuses_what_would_not_be_a_hostname(
    template: str, values: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render_hostname(template, **values)


@pytest.mark.parametrize(
    "hostname",
    [
        pytest.param("vps_1", id="underscore"),
        pytest.param("-vps", id="leading-hyphen"),
        pytest.param("", id="empty"),
        pytest.param("a" * 64, id="long-label"),
        pytest.param("vps..example", id="empty-label"),
    ],
)
def test_vm_name_refuses_a_name_proxmox_would_refuse_or_a_bad_hostname(hostname: str) -> None:
    with pytest.raises(ValueError, match="hostname"):
        vm_name(hostname)
