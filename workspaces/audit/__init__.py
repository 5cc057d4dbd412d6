"""The audit trail: who did what, when, from where, before and after, never a secret.

* `register(Model, secret=..., ignore=..., m2m=...)` — one line per audited model (in the
  owning app's ``AppConfig.ready``); creates, changes and deletes are then recorded by signals.
* `record(action, instance=..., ...)` — for what no signal sees (launch, cancel, ...).
* `record_denial(request, instance=..., status=...)` — called by the tenancy base classes when a
  signed-in user is refused an object that exists.
* `token_used(request, token)` — called by the API token authentication.
* `client_address(request)` — the one function that reads a client address.

Records are `AuditEvent` rows: append-only (see `workspaces.audit.models`).
"""

from workspaces.audit.context import AuditContextMiddleware, bind, client_address, current
from workspaces.audit.models import AuditAction, AuditEvent
from workspaces.audit.recording import existing, record, record_denial, token_used
from workspaces.audit.registry import Registration, registered_models
from workspaces.audit.registry import register as _register
from workspaces.audit.signals import connect_auth, connect_model


def register(model, *, secret=(), ignore=(), m2m=(), workspace=None, org=None) -> Registration:
    """Audits `model`: see `workspaces.audit.registry.register` for the declaration."""
    registration = _register(model, secret=secret, ignore=ignore, m2m=m2m, workspace=workspace, org=org)
    connect_model(model)
    return registration


__all__ = [
    "AuditAction",
    "AuditContextMiddleware",
    "AuditEvent",
    "bind",
    "client_address",
    "connect_auth",
    "current",
    "existing",
    "record",
    "record_denial",
    "register",
    "registered_models",
    "token_used",
]
