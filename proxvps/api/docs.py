"""The API's Swagger UI (/api/v1/docs) from the files django-ninja ships, with ninja not an installed app.

ninja renders its bundled page only when "ninja" is in INSTALLED_APPS and falls back to a page that loads Swagger
from a CDN otherwise. The settings leave ninja out (an installed app is imported by every process, the worker's
too) and add its template and static directories instead; this page is the bundled one, rendered the way ninja
renders its fallback, so the docs load nothing from outside the installation.
"""

from __future__ import annotations

from ninja.openapi.docs import ABS_TPL_PATH, Swagger


class BundledSwagger(Swagger):
    """ninja's Swagger page with its bundled page in place of the CDN one."""

    template_cdn = str(ABS_TPL_PATH / "swagger.html")
