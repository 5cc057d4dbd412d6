"""Signal handlers that turn saves, deletes, membership changes and sign-ins into records.

Guarantees, for every model registered with `workspaces.audit.register`:

* a save that inserts a row records ``create`` with the declared fields' values;
* a save that changes declared fields records ``update`` with only those fields, before and
  after (the old values are read in ``pre_save``: one query per update, none per read);
  a save that changes nothing declared records nothing;
* a delete (also one cascaded from a parent) records ``delete`` with the last values;
* a change of a registered many-to-many field records ``update`` with the member lists;
* secret fields appear as ``<hidden>`` (or empty), never by value.

Queryset ``update()`` and ``bulk_create()`` send no signals: services that must be audited do
not use them for registered models (the service walk test catches a write that leaves no record).
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

from workspaces.audit.models import AuditAction
from workspaces.audit.recording import record
from workspaces.audit.registry import instance_values, registration_for, snapshot

_BEFORE = "_audit_before"


def _on_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    registration = registration_for(sender)
    if registration is None or raw or instance._state.adding or instance.pk is None:
        return
    names = registration.fields if update_fields is None else [n for n in registration.fields if n in {
        sender._meta.get_field(f).attname for f in update_fields}]  # fmt: skip
    if not names:
        setattr(instance, _BEFORE, {})
        return
    old = sender._base_manager.filter(pk=instance.pk).values(*names).first()
    setattr(instance, _BEFORE, old)  # None: the row vanished meanwhile (recorded as a create)


def _on_post_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    registration = registration_for(sender)
    if registration is None or raw:
        return
    old = instance.__dict__.pop(_BEFORE, None)
    if created or old is None:
        record(
            AuditAction.CREATE, instance=instance, after=snapshot(registration, instance_values(registration, instance))
        )
        return
    new = instance_values(registration, instance, only=old.keys())
    changed = [name for name in old if name in new and old[name] != new[name]]
    if not changed:
        return
    record(
        AuditAction.UPDATE,
        instance=instance,
        before=snapshot(registration, {n: old[n] for n in changed}),
        after=snapshot(registration, {n: new[n] for n in changed}),
    )


def _on_pre_delete(sender, instance, **kwargs):
    registration = registration_for(sender)
    if registration is None:
        return
    record(
        AuditAction.DELETE, instance=instance, before=snapshot(registration, instance_values(registration, instance))
    )


# --------------------------------------------------------------------------- many-to-many
def _m2m_handler(model, field_name: str):
    field = model._meta.get_field(field_name)
    target = field.related_model
    label = target.USERNAME_FIELD if hasattr(target, "USERNAME_FIELD") else "pk"

    def members(owner) -> list:
        return sorted(str(v) for v in getattr(owner, field_name).values_list(label, flat=True))

    def handler(sender, instance, action, reverse, pk_set, **kwargs):
        if reverse:  # user.teams.add(team): the owners are the teams named by pk_set
            if not pk_set:
                return  # user.teams.clear() is not a product path
            owners = list(model._base_manager.filter(pk__in=pk_set))
        else:
            owners = [instance]
        stash = instance.__dict__.setdefault("_audit_m2m", {})
        for owner in owners:
            if action.startswith("pre_"):
                stash[(field_name, owner.pk)] = members(owner)
                continue
            before = stash.pop((field_name, owner.pk), None)
            after = members(owner)
            if before is not None and before != after:
                record(AuditAction.UPDATE, instance=owner, before={field_name: before}, after={field_name: after})

    return handler


# --------------------------------------------------------------------------- sign-in
def _on_logged_in(sender, request, user, **kwargs):
    record(AuditAction.SIGN_IN, user=user, request=request, detail=_path(request))


def _on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditAction.SIGN_OUT, user=user, request=request, detail=_path(request))


def _on_login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    name = str((credentials or {}).get(get_user_model().USERNAME_FIELD) or (credentials or {}).get("username") or "")
    record(AuditAction.SIGN_IN_FAILED, username=name[:150], request=request, detail=_path(request))


def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    record(AuditAction.LOCKED_OUT, username=str(username or "")[:150], request=request, detail=_path(request))


def _path(request) -> str:
    return getattr(request, "path", "") if request is not None else ""


def connect_model(model) -> None:
    """Connects the change handlers for a registered model."""
    uid = f"audit:{model._meta.label}"
    pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"{uid}:pre_save")
    post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}:post_save")
    pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=f"{uid}:pre_delete")
    for field_name in registration_for(model).m2m:
        through = getattr(model, field_name).through
        handler = _m2m_handler(model, field_name)
        m2m_changed.connect(handler, sender=through, weak=False, dispatch_uid=f"{uid}:{field_name}")


def connect_auth() -> None:
    """Connects sign-in, sign-out, failed sign-in and (django-axes) lockout."""
    user_logged_in.connect(_on_logged_in, dispatch_uid="audit:logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="audit:logged_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit:login_failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_on_locked_out, dispatch_uid="audit:locked_out")
