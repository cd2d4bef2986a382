"""Provider URLs are normalised once, on save: scheme, host case, default port, API path, trailing slash."""

from __future__ import annotations

import pytest

from proxvps.dns import DnsConfigError, normalize_url


@pytest.mark.parametrize(
    ("provider", "typed", "stored"),
    [
        ("powerdns", "pdns.example.com", "http://pdns.example.com:8081/api/v1"),
        ("powerdns", "http://pdns.example.com:8081/", "http://pdns.example.com:8081/api/v1"),
        ("powerdns", "http://pdns.example.com:8081/api", "http://pdns.example.com:8081/api/v1"),
        ("powerdns", "http://pdns.example.com:8081/api/v1/", "http://pdns.example.com:8081/api/v1"),
        ("powerdns", "http://pdns:8081/api/v1/servers/localhost/zones", "http://pdns:8081/api/v1"),
        ("powerdns", "https://dns.example.com/pdns", "https://dns.example.com/pdns/api/v1"),
        ("powerdns", "HTTPS://DNS.Example.COM:443", "https://dns.example.com/api/v1"),
        ("powerdns", " [2001:DB8::0001]:8081 ", "http://[2001:db8::1]:8081/api/v1"),
        ("hestiacp", "hestia.example.com", "https://hestia.example.com:8083/api/"),
        ("hestiacp", "https://hestia.example.com:8083", "https://hestia.example.com:8083/api/"),
        ("hestiacp", "https://hestia.example.com:8083/api", "https://hestia.example.com:8083/api/"),
        ("hestiacp", "https://hestia.example.com:8083/api/", "https://hestia.example.com:8083/api/"),
        ("hestiacp", "https://hestia.example.com", "https://hestia.example.com/api/"),
        ("cloudflare", "", "https://api.cloudflare.com/client/v4"),
        ("cloudflare", "https://api.cloudflare.com/client/v4/", "https://api.cloudflare.com/client/v4"),
        ("cloudflare", "http://127.0.0.1:9000", "http://127.0.0.1:9000/client/v4"),
    ],
)
def test_a_provider_url_is_stored_in_one_form(provider: str, typed: str, stored: str) -> None:
    assert normalize_url(provider, typed) == stored
    assert normalize_url(provider, stored) == stored, "normalising twice changes nothing"


@pytest.mark.parametrize(
    ("provider", "typed", "message"),
    [
        ("powerdns", "", "Enter the URL of the provider's API."),
        ("powerdns", "ftp://pdns.example.com", "Enter a URL such as http://dns.example.com:8081."),
        ("hestiacp", "https://hestia.example.com:99999", "Enter a URL such as https://dns.example.com:8083."),
        ("hestiacp", "https://user:pw@hestia.example.com", "Enter a URL such as https://dns.example.com:8083."),
        ("powerdns", "http://", "Enter a URL such as http://dns.example.com:8081."),
        ("bind", "http://x", "Unknown DNS provider bind."),
    ],
)
def test_a_url_that_is_no_usable_url_is_refused_with_one_sentence(provider: str, typed: str, message: str) -> None:
    with pytest.raises(DnsConfigError) as raised:
        normalize_url(provider, typed)
    assert str(raised.value) == message
