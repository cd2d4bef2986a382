"""Static files with hashed names, and pages that still render before `collectstatic` has run."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # whitenoise has no types
    """Whitenoise's compressed files under hashed names, cached for ever by browsers. A file that `collectstatic`
    has not copied yet (a test run, a developer's first start) is named by its plain path, which whitenoise serves
    from the app's directory (WHITENOISE_USE_FINDERS), instead of failing the page."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            return name
