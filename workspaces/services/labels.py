"""Labels and resource labels."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from seqera.db import unique_as_field_error
from workspaces.models import (
    LABEL_PATTERN,
    MAX_LABELS_PER_WORKSPACE,
    Label,
    Workspace,
)


def _check_label(label: Label) -> None:
    errors: dict[str, str] = {}
    pattern = re.compile(LABEL_PATTERN)
    if not (2 <= len(label.name) <= 39) or not pattern.match(label.name):
        errors["name"] = "2–39 letters and digits, separated by single '-' or '_', not at the start or end."
    elif label.resource and label.name.lower().startswith(("aws", "user")):
        errors["name"] = "Resource label keys cannot start with 'aws' or 'user' (reserved by AWS)."
    if label.resource:
        if not label.value:
            errors["value"] = "A resource label needs a value."
        elif not (2 <= len(label.value) <= 39) or not pattern.match(label.value):
            errors["value"] = "2–39 letters and digits, separated by single '-' or '_', not at the start or end."
        elif label.value.lower().startswith(("aws", "user")):
            errors["value"] = "Resource label values cannot start with 'aws' or 'user' (reserved by AWS)."
    else:
        if label.value:
            errors["value"] = "Only resource labels have a value."
        if label.is_default:
            errors["is_default"] = "Only resource labels can be used as defaults for new compute environments."
    if Label.objects.filter(workspace=label.workspace, name=label.name).exclude(pk=label.pk).exists():
        errors["name"] = f"A label with key {label.name} already exists in this workspace."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def ensure_label(
    *, workspace: Workspace, name: str, value: str = "", resource: bool = False, is_default: bool = False
) -> Label:
    """The label with this name, value and kind, created if the workspace has none (Seqera's
    create is idempotent)."""
    name, value = name.strip(), (value or "").strip()
    label = Label.objects.filter(workspace=workspace, name=name, value=value, resource=resource).first()
    if label is not None:
        return label
    return create_label(workspace=workspace, name=name, value=value, resource=resource, is_default=is_default)


@transaction.atomic
def create_label(
    *, workspace: Workspace, name: str, value: str = "", resource: bool = False, is_default: bool = False
) -> Label:
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()  # serialise the quota check
    if Label.objects.filter(workspace=workspace).count() >= MAX_LABELS_PER_WORKSPACE:
        raise ValidationError({"name": f"A workspace can have at most {MAX_LABELS_PER_WORKSPACE} labels."})
    label = Label(workspace=workspace, name=name.strip(), value=value.strip(), resource=resource, is_default=is_default)
    _check_label(label)
    with unique_as_field_error(
        "name", f"A label with key {label.name} already exists in this workspace.", constraint="unique_label_key"
    ):
        label.save()
    return label


@transaction.atomic
def update_label(*, label: Label, name: str, value: str = "", is_default: bool | None = None) -> Label:
    label.name, label.value = name.strip(), value.strip()
    if is_default is not None:
        label.is_default = is_default
    _check_label(label)
    with unique_as_field_error(
        "name", f"A label with key {label.name} already exists in this workspace.", constraint="unique_label_key"
    ):
        label.save()
    return label


def delete_label(*, label: Label) -> None:
    try:
        label.delete()
    except (ProtectedError, RestrictedError) as exc:
        users = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        raise ValidationError(f"Label {label} is used by {len(users)} object(s) and cannot be deleted.") from None
