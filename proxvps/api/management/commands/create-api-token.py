"""`proxvps create-api-token NAME --scope billing|staff_read|staff_write`: make a token and print it once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from proxvps.api.models import ApiToken, TokenScope


class Command(BaseCommand):
    help = _("Create an API token and print it; it is stored hashed and cannot be shown again.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scope", choices=list(TokenScope.values), default=TokenScope.BILLING)

    def handle(self, *args: Any, **options: Any) -> None:
        _row, token = ApiToken.issue(options["name"], options["scope"])
        self.stdout.write(token)
