"""Side-effect oracle: proves a refused request changed nothing.

`SideEffects.recording(broker)` counts, for the whole `with` block, every botocore API call (any
client, any session, any thread), every Dramatiq message enqueued (whatever the broker class) and
keeps their bodies. `table_state()` is the row count and latest `last_updated` of every tenant
table, so a refused request that wrote, deleted or updated a row is caught.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from unittest import mock

from botocore.client import BaseClient
from django.apps import apps
from django.db import connection
from django.db.models import F, ForeignKey

TENANT_APPS = ("workspaces", "computeenvs", "pipelines", "auth", "admin")


@dataclass
class SideEffects:
    aws_calls: list[str] = field(default_factory=list)
    messages: list = field(default_factory=list)

    @classmethod
    @contextmanager
    def recording(cls, broker):
        recorder = cls()
        original_call = BaseClient._make_api_call
        original_enqueue = broker.enqueue

        def counting_call(client, operation_name, api_params):
            recorder.aws_calls.append(f"{client.meta.service_model.service_name}:{operation_name}")
            return original_call(client, operation_name, api_params)

        def recording_enqueue(message, *args, **kwargs):
            recorder.messages.append(message)
            return original_enqueue(message, *args, **kwargs)

        with (
            mock.patch.object(BaseClient, "_make_api_call", counting_call),
            mock.patch.object(broker, "enqueue", recording_enqueue),
        ):
            yield recorder

    def mark(self) -> tuple[int, int, int]:
        return len(self.aws_calls), len(self.messages), len(connection.run_on_commit)

    def since(self, mark: tuple[int, int, int]) -> list[str]:
        """Human-readable side effects after `mark` (empty list: none)."""
        calls, messages, hooks = mark
        found = []
        if self.aws_calls[calls:]:
            found.append(f"AWS calls {self.aws_calls[calls:]}")
        if self.messages[messages:]:
            found.append(f"queue messages {[m.actor_name for m in self.messages[messages:]]}")
        if len(connection.run_on_commit) > hooks:
            found.append(f"{len(connection.run_on_commit) - hooks} on_commit hook(s) registered")
        return found


def tenant_models():
    return [m for m in apps.get_models() if m._meta.app_label in TENANT_APPS and not m._meta.proxy]


def journal_models():
    """Append-only journals a refusal is expected to write to (the audit trail records denials)."""
    from workspaces.audit import AuditEvent

    return [AuditEvent]


@lru_cache(maxsize=1)
def _state_sql() -> tuple[str, tuple[str, ...]]:
    qn = connection.ops.quote_name
    parts, labels = [], []
    for model in [m for m in tenant_models() if m not in journal_models()]:
        table = qn(model._meta.db_table)
        fields = {f.name: f.column for f in model._meta.concrete_fields}
        stamp = next((fields[n] for n in ("last_updated", "updated_at", "last_modified") if n in fields), None)
        parts.append(f"(SELECT COUNT(*) FROM {table})")
        parts.append(f"(SELECT MAX({qn(stamp)}) FROM {table})" if stamp else "NULL")
        labels.append(model._meta.label)
    return "SELECT " + ", ".join(parts), tuple(labels)


def table_state() -> dict[str, tuple]:
    """Row count and latest `last_updated` of every tenant table, in one query."""
    sql, labels = _state_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {label: (row[2 * i], row[2 * i + 1]) for i, label in enumerate(labels)}


def diff_state(before: dict, after: dict) -> list[str]:
    return [f"{label}: {before[label]} -> {after[label]}" for label in before if before[label] != after[label]]


def _tenant_paths():
    """(model, [lookup paths to a workspace id]) for every model relating two workspace-owned rows."""
    for model in tenant_models():
        paths = ["workspace_id"] if any(f.name == "workspace" for f in model._meta.concrete_fields) else []
        for fk in model._meta.concrete_fields:
            if (
                isinstance(fk, ForeignKey)
                and fk.name != "workspace"
                and any(f.name == "workspace" for f in fk.related_model._meta.concrete_fields)
            ):
                paths.append(f"{fk.name}__workspace_id")
        if len(paths) > 1:
            yield model, paths


def cross_tenant_rows() -> list[str]:
    """Rows that tie objects of two different workspaces together (e.g. a CE of B using A's credentials)."""
    found = []
    for model, (first, *others) in _tenant_paths():
        for other in others:
            rows = model._base_manager.exclude(**{f"{other}__isnull": True}).exclude(**{other: F(first)})
            found += [f"{model._meta.label} {pk}: {first} != {other}" for pk in rows.values_list("pk", flat=True)[:3]]
    return found
