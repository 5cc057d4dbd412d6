"""Which models the audit trail records, and what of them.

``register(Model)`` is the one line a new model needs: its creates, changes and deletes are then
recorded by the signal handlers in `workspaces.audit.signals`. The declaration says which fields
are secrets (recorded as changed, never by value) and which are noise (never recorded). A field
whose name looks secret (``secret``, ``password``, ``token_hash``, ``encrypted``, ...) and is not
declared either way makes registration fail, so a new column cannot slip its value into the trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

HIDDEN = "<hidden>"
SECRET_NAME = re.compile(r"secret|passw|token_hash|encrypt|private|ciphertext", re.IGNORECASE)
# Timestamps that move on every save or use: recording them would turn every touch into a change.
NOISE = frozenset({"last_updated", "last_used", "last_login", "date_created", "date_joined"})


@dataclass(frozen=True)
class Registration:
    model: type
    fields: tuple[str, ...]  # attnames recorded by value or as HIDDEN
    labels: dict  # attname -> field name (the key in a record: "user", not "user_id")
    secret: frozenset[str]
    m2m: tuple[str, ...]
    workspace: str | None  # "self", the name of a foreign key to Workspace, or None
    org: str | None  # "self", the name of a foreign key to Organization, or None (then via the workspace)


_registry: dict[type, Registration] = {}


def register(model, *, secret=(), ignore=(), m2m=(), workspace=None, org=None) -> Registration:
    """Records creates, changes and deletes of `model` (and changes of its `m2m` fields)."""
    opts = model._meta
    names = {f.name for f in opts.concrete_fields}
    for name in (*secret, *ignore):
        if name not in names:
            raise ImproperlyConfigured(f"audit.register({opts.label}): no field {name!r}")
    undeclared = [n for n in names if SECRET_NAME.search(n) and n not in secret and n not in ignore]
    if undeclared:
        raise ImproperlyConfigured(
            f"audit.register({opts.label}): fields {undeclared} look secret; declare them secret= or ignore="
        )
    skip = NOISE | set(ignore)
    recorded = [f for f in opts.concrete_fields if f.name not in skip and not f.primary_key]
    fields = tuple(f.attname for f in recorded)
    labels = {f.attname: f.name for f in recorded}
    secret_attnames = frozenset(opts.get_field(n).attname for n in secret)
    if workspace is None:
        workspace = "self" if opts.label == "workspaces.Workspace" else ("workspace" if "workspace" in names else None)
    if org is None:
        org = "self" if opts.label == "workspaces.Organization" else ("org" if "org" in names else None)
    registration = Registration(model, fields, labels, secret_attnames, tuple(m2m), workspace, org)
    _registry[model] = registration
    return registration


def registration_for(model) -> Registration | None:
    return _registry.get(model)


def registered_models() -> list[type]:
    return list(_registry)


def object_type_choices() -> list[tuple[str, str]]:
    """(model label, readable name) of every audited model, by name."""
    return sorted(
        ((m._meta.label_lower, str(m._meta.verbose_name).capitalize()) for m in _registry), key=lambda c: c[1]
    )


def snapshot(registration: Registration, values: dict) -> dict:
    """`values` (attname -> value) as recorded: secrets replaced by HIDDEN (or '' when empty)."""
    return {
        registration.labels[name]: (HIDDEN if values[name] not in (None, "") else "")
        if name in registration.secret
        else values[name]
        for name in registration.fields
        if name in values
    }


def instance_values(registration: Registration, instance, only=None) -> dict:
    names = registration.fields if only is None else [n for n in registration.fields if n in only]
    loaded = instance.__dict__
    return {name: loaded[name] for name in names if name in loaded}
