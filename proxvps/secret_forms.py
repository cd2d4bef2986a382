"""Write-only secret fields for the admin forms: Proxmox token secrets, DNS provider keys (SPEC S12, S21).

A stored secret is never rendered back to the browser. The form shows that one is set with the placeholder
`(unchanged - enter new to replace)` and keeps the stored value when the field is left empty; a new value
replaces it. A new object must be given one.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

UNCHANGED = _("(unchanged - enter new to replace)")


class WriteOnlySecretField(forms.CharField):
    """A password input that never carries the stored value back to the browser."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", True)
        super().__init__(widget=forms.PasswordInput(render_value=False), **kwargs)


class WriteOnlySecretsForm(forms.ModelForm):  # type: ignore[type-arg]
    """A model form whose `secret_fields` are write-only: declare each as a WriteOnlySecretField and list it."""

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].widget.attrs["placeholder"] = str(UNCHANGED)
            else:
                self.fields[name].required = True

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name in self.secret_fields:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned
