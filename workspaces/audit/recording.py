"""Writing audit records: `record()` for any event, `record_denial()` for refused access to an
object that exists, `token_used()` for an API token seen from a new address.

Every record takes its actor, token, address and request id from the current audit context
(`workspaces.audit.context`), unless the caller names them (sign-in signals do: they know the
user before the request does). A record is written in the caller's transaction, so a change that
rolls back leaves no record of itself.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from workspaces.audit.context import client_address, current
from workspaces.audit.models import AuditAction, AuditEvent
from workspaces.audit.registry import registration_for

TOKEN_SEEN_SECONDS = 3600


def _truncate(text, length: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _lookup(kind: str, pk):
    """(name, org_id, org_name) of a workspace or (name,) of an organization, memoised per request."""
    from workspaces.models import Organization, Workspace

    context = current()
    memo = context.cache if context is not None else {}
    key = (kind, pk)
    if key not in memo:
        if kind == "workspace":
            row = Workspace.objects.filter(pk=pk).values_list("name", "org_id", "org__name").first()
            memo[key] = row or ("", None, "")
        else:
            memo[key] = (Organization.objects.filter(pk=pk).values_list("name", flat=True).first() or "",)
    return memo[key]


def tenant_of(instance) -> dict:
    """workspace_id/_name and org_id/_name of `instance`, without a query when they are loaded."""
    registration = registration_for(type(instance))
    ws_path = registration.workspace if registration else ("workspace" if hasattr(instance, "workspace_id") else None)
    org_path = registration.org if registration else ("org" if hasattr(instance, "org_id") else None)
    out = {"workspace_id": None, "workspace_name": "", "org_id": None, "org_name": ""}
    if ws_path == "self":
        workspace = instance
    elif ws_path:
        workspace = instance._state.fields_cache.get(ws_path)
        if workspace is None and getattr(instance, f"{ws_path}_id", None) is not None:
            name, org_id, org_name = _lookup("workspace", getattr(instance, f"{ws_path}_id"))
            out.update(workspace_id=getattr(instance, f"{ws_path}_id"), workspace_name=name)
            out.update(org_id=org_id, org_name=org_name)
    else:
        workspace = None
    if ws_path and workspace is not None:
        out.update(workspace_id=workspace.pk, workspace_name=workspace.name, org_id=workspace.org_id)
        org = workspace._state.fields_cache.get("org")
        out["org_name"] = org.name if org is not None else _lookup("org", workspace.org_id)[0]
    if org_path == "self":
        out.update(org_id=instance.pk, org_name=instance.name)
    elif org_path and getattr(instance, f"{org_path}_id", None) is not None:
        org_id = getattr(instance, f"{org_path}_id")
        org = instance._state.fields_cache.get(org_path)
        out.update(org_id=org_id, org_name=org.name if org is not None else _lookup("org", org_id)[0])
    return out


def describe(instance) -> dict:
    """The object columns of a record about `instance`."""
    return {
        "object_type": instance._meta.label_lower,
        "object_id": _truncate(instance.pk, 64),
        "object_repr": _truncate(_safe_str(instance), 200),
        **tenant_of(instance),
    }


def _safe_str(instance) -> str:
    try:
        return str(instance)
    except Exception:  # noqa: BLE001 - a __str__ that needs a deleted relation must not lose the record
        return f"{instance._meta.verbose_name} {instance.pk}"


def record(
    action: str,
    *,
    instance=None,
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
    user=None,
    username: str = "",
    request=None,
    **columns,
) -> AuditEvent:
    """Writes one record. `instance` fills the object and tenant columns; `columns` may override them."""
    context = current()
    actor = user if user is not None else (context.actor if context is not None else None)
    token = context.token if context is not None else None
    address = client_address(request) if request is not None else getattr(context, "address", None)
    event = AuditEvent(
        action=action,
        user_id=getattr(actor, "pk", None),
        username=_truncate(username or getattr(actor, "username", ""), 150),
        token_id=getattr(token, "pk", None),
        token_name=_truncate(getattr(token, "name", ""), 50),
        address=address,
        request_id=context.request_id if context is not None else "",
        before=before,
        after=after,
        detail=_truncate(detail, 300),
        **(describe(instance) if instance is not None else {}),
    )
    for key, value in columns.items():
        setattr(event, key, value)
    event.save(force_insert=True)
    return event


def _request_line(request, status: int) -> str:
    return f"{status} {request.method} {request.path}"


def existing(model, pk):
    """The row of `model` with primary key `pk` whoever may see it, or None (also for malformed ids)."""
    if model is None or pk in (None, ""):
        return None
    try:
        pk = model._meta.pk.to_python(pk)
        with transaction.atomic():  # a malformed id must not break the caller's transaction
            return model._base_manager.filter(pk=pk).first()
    except Exception:  # noqa: BLE001 - a malformed id (ValidationError, DataError, overflow) names nothing
        return None


def record_denial(request, *, instance, status: int) -> AuditEvent | None:
    """A signed-in user was refused (403/404) an object that exists (`instance`)."""
    user = getattr(request, "user", None)
    if instance is None or not getattr(user, "is_authenticated", False):
        return None
    return record(AuditAction.ACCESS_DENIED, instance=instance, user=user, detail=_request_line(request, status))


def token_used(request, token) -> None:
    """Called by the token authentication: notes the token in the context, and records the first
    use of the token from each client address (a cache spares the lookup on later requests)."""
    from workspaces.audit.context import set_token

    set_token(token)
    address = client_address(request)
    key = f"audit:token:{token.pk}:{token.date_created.timestamp() if token.date_created else ''}:{address}"
    if cache.get(key):
        return
    seen = AuditEvent.objects.filter(action=AuditAction.TOKEN_NEW_ADDRESS, token_id=token.pk, address=address)
    if not seen.exists():
        record(
            AuditAction.TOKEN_NEW_ADDRESS,
            user=token.user,
            token_id=token.pk,
            token_name=token.name,
            address=address,
            object_type=token._meta.label_lower,
            object_id=str(token.pk),
            object_repr=_truncate(token.name, 200),
            detail=_truncate(f"{request.method} {request.path}", 300),
        )
    cache.set(key, 1, TOKEN_SEEN_SECONDS)
