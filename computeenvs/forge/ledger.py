"""The `ForgedResource` ledger: what Forge made for a CE, in plan order.

A row is written (CREATING) *before* the AWS call that creates its resource and marked CREATED
with the ARN once the resource is usable, so after any crash the ledger names every resource
that may exist; dispose walks it backwards. Rows are upserted by (CE, kind, name): running a
step twice never adds a row.
"""

from __future__ import annotations

from computeenvs.models import ForgedResource

State = ForgedResource.State


def begin(ce, resource, order: int) -> ForgedResource:
    row, _ = ForgedResource.objects.get_or_create(
        compute_env=ce,
        kind=resource.kind,
        name=resource.name,
        defaults={"workspace_id": ce.workspace_id, "order": order, "state": State.CREATING},
    )
    if row.state != State.CREATED:
        row.state, row.order, row.message = State.CREATING, order, ""
        row.save(update_fields=["state", "order", "message", "last_updated"])
    return row


def created(row: ForgedResource, arn: str | None) -> None:
    row.state, row.arn, row.message = State.CREATED, arn or "", ""
    row.save(update_fields=["state", "arn", "message", "last_updated"])


def failed(row: ForgedResource, message: str) -> None:
    row.state, row.message = State.FAILED, message[:4096]
    row.save(update_fields=["state", "message", "last_updated"])


def drop(row: ForgedResource) -> None:
    """A step that turned out to create nothing of ours (e.g. an existing log group): no row."""
    row.delete()


def to_dispose(ce) -> list[ForgedResource]:
    """Rows still standing for AWS, newest first (the dispose order)."""
    return list(ForgedResource.objects.filter(compute_env=ce).exclude(state=State.DELETED).order_by("-order", "-pk"))


def deleting(row: ForgedResource) -> None:
    row.state, row.message = State.DELETING, ""
    row.save(update_fields=["state", "message", "last_updated"])


def deleted(row: ForgedResource) -> None:
    row.state = State.DELETED
    row.save(update_fields=["state", "last_updated"])
