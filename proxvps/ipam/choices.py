"""Choice sets with labels for the ipam models (labels go through gettext)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DnsProvider(models.TextChoices):
    """The providers the DNS adapter speaks to (`proxvps.dns.PROVIDERS`)."""

    POWERDNS = "powerdns", _("PowerDNS Authoritative")
    CLOUDFLARE = "cloudflare", _("Cloudflare")
    HESTIACP = "hestiacp", _("HestiaCP")
