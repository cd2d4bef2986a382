"""The API's Swagger UI at /api/v1/docs is served whole from this installation: the page and the files it loads
come from the ninja package's own copies, nothing from a CDN, so the docs work on a host with no way out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_docs_page_loads_its_swagger_files_from_this_server(settings: Any, tmp_path: Path) -> None:
    settings.STATIC_ROOT = tmp_path  # as `proxvps demo` and a deployment do: collected, then served by WhiteNoise
    call_command("collectstatic", verbosity=0, interactive=False)
    client = Client()

    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    # Collected, the files are named by their content's hash (whitenoise's manifest storage).
    assert any(re.search(r"/swagger-ui-bundle\.[0-9a-f]{12}\.js$", asset) for asset in assets), assets
    assert any(re.search(r"/swagger-ui\.[0-9a-f]{12}\.css$", asset) for asset in assets), assets
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        assert int(answer["Content-Length"]) > 0, asset
    assert "/api/v1/openapi.json" in html
