"""Form base of every page: `ServiceForm` (its `save()` calls one service function) and the one
translation of a service's `ValidationError` into form errors, `add_service_errors`."""

from collections.abc import Callable, Mapping

from django import forms
from django.core.exceptions import ValidationError

FieldMap = Mapping[str, str] | Callable[[str], str | None]


def add_service_errors(form: forms.BaseForm, exc: ValidationError, field_map: FieldMap | None = None,
                       *, name_unknown: bool = False) -> None:  # fmt: skip
    """A service's field-keyed messages go beside the form field they name (through `field_map`,
    a dict or a function from the service's key to the field's name); messages without a field of
    their own, or not keyed at all, go above the form (prefixed with their key if `name_unknown`).
    """
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.error_dict.items():
        field = field_map(key) if callable(field_map) else (field_map or {}).get(key, key)
        if field in form.fields:
            form.add_error(field, errors)
        elif name_unknown and key != "__all__":
            form.add_error(None, [f"{key}: {message}" for message in ValidationError(errors).messages])
        else:
            form.add_error(None, errors)


def style_widgets(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget that has none yet."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class ServiceForm(forms.Form):
    """A form whose `save()` calls a service and returns what it saved (or raises the service's
    ValidationError, which `ObjectFormView` puts beside the fields). `instance` (edit) pre-fills
    fields of the same name; `context` carries org, workspace, user and base_url from the view."""

    def __init__(self, *args, instance=None, context=None, **kwargs):
        self.instance = instance
        self.context = context or {}
        super().__init__(*args, **kwargs)
        if instance is not None and not self.is_bound:
            for name in self.fields:
                if name not in self.initial and hasattr(instance, name):
                    self.initial[name] = getattr(instance, name)
        style_widgets(self)

    def save(self):
        raise NotImplementedError

    def add_service_errors(self, exc: ValidationError) -> None:
        add_service_errors(self, exc)
