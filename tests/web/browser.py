"""Browser tests of the client area: Playwright driving Debian's chromium against a live server of the project.

- The browser is /usr/bin/chromium (Debian's package; .ci/run installs it): Playwright never downloads one.
  Missing, the tests skip on a workstation and fail in CI (CI=true).
- They run once, in the PostgreSQL pass of the suite (DATABASE_URL is postgres://...), and skip in the SQLite
  pass saying so: the live server's thread and the test's worker share the database, which PostgreSQL serves to
  both without SQLite's file locking.
- The live server serves the static files as production does: `collectstatic` into a directory of the session
  (hashed, compressed names), served by whitenoise, not by Django's development handler.
- `Looker.look` saves a screenshot of the page at desktop width and at 390 px, checks that nothing scrolls
  sideways at 390 px, and runs the vendored axe-core: no violation of impact serious or critical.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "static" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: Any = {"width": 1280, "height": 900}
WIDE: Any = {"width": 1440, "height": 900}
"""The staff console's desktop width."""
PHONE: Any = {"width": 390, "height": 844}


def require_browser() -> None:
    """Skip unless this is the PostgreSQL pass and chromium is installed (in CI a missing chromium fails)."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("browser tests run in the PostgreSQL pass of the suite (DATABASE_URL=postgres://...)")
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (.ci/run installs it)", pytrace=False)
        pytest.skip(reason)


class _NoStaticHandler:
    """The live server's application as it is: whitenoise, in the middleware, serves the static files."""

    def __new__(cls, application: Any) -> Any:
        return application


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files as `collectstatic` leaves them for production, once per test session (xdist worker)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def site(collected_static: Path, transactional_db: None) -> Iterator[str]:
    """A live server of the project (its own WSGI stack, whitenoise included) on a free loopback port."""
    require_browser()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop in this thread
    # MEDIA_URL set: the live server puts a media handler in front, which would take every path under an empty one.
    with override_settings(
        STATIC_ROOT=collected_static, MEDIA_URL="/media/", ALLOWED_HOSTS=["127.0.0.1", "testserver"]
    ):
        thread = LiveServerThread("127.0.0.1", static_handler=_NoStaticHandler)  # type: ignore[arg-type]
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://127.0.0.1:{thread.port}"
        finally:
            thread.terminate()


@pytest.fixture
def browser_page(site: str) -> Iterator[Any]:
    """A Chromium page (desktop size) that accepts every confirm() the client area asks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=DESKTOP, base_url=site)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.script_errors = errors  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()


@dataclass
class Looker:
    """Screenshots and checks of each page the test shows."""

    page: Any
    prefix: str
    taken: list[Path] = field(default_factory=list)
    desktop: Any = field(default_factory=lambda: DESKTOP)

    def look(self, name: str) -> None:
        """Screenshot at desktop width and at 390 px; no sideways scrolling at 390 px; no serious or critical axe
        violation at either width."""
        page = self.page
        page.wait_for_load_state("networkidle")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", self.desktop), ("390px", PHONE)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            path = SCREENSHOTS / f"{self.prefix}-{name}-{label}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
            if size is PHONE:
                widths = page.evaluate(
                    "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
                )
                wide = page.evaluate(
                    "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
                    " document.scrollingElement.clientWidth + 0.5)"
                    ".slice(0, 5).map(e => e.tagName + '.' + e.className)"
                )
                assert widths[0] <= widths[1], f"{name}: scrolls sideways at 390 px ({widths[0]} > {widths[1]}): {wide}"
            self.axe(name, label)
        page.set_viewport_size(self.desktop)

    def axe(self, name: str, label: str) -> None:
        page = self.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(content=AXE.read_text())
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
        )
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name} ({label}): axe violations {bad}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
