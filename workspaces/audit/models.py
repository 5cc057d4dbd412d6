"""The audit trail's one table.

An `AuditEvent` is append-only: it keeps plain ids and names (never foreign keys) of its actor,
workspace, organization and object, so deleting any of them leaves the record intact. The
product never updates or deletes a row (the admin is read-only, there is no API write), and on
PostgreSQL a trigger refuses UPDATE and DELETE outright (migration 0002).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    LOCKED_OUT = "locked_out", "Locked out"
    TOKEN_NEW_ADDRESS = "token_new_address", "Token used from a new address"
    ACCESS_DENIED = "access_denied", "Access denied"
    LAUNCH = "launch", "Launched"
    CANCEL = "cancel", "Cancelled"
    EMAIL_VERIFICATION_SENT = "email_verification_sent", "E-mail verification sent"


class AuditEvent(models.Model):
    time = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    # Who: the signed-in user (or the one a failed sign-in named), and the API token if one was used.
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True)
    token_name = models.CharField(max_length=50, blank=True)
    # What: the object (model label, primary key, str() at the time) and its tenant.
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    workspace_id = models.BigIntegerField(null=True, blank=True)
    workspace_name = models.CharField(max_length=40, blank=True)
    org_id = models.BigIntegerField(null=True, blank=True)
    org_name = models.CharField(max_length=40, blank=True)
    # From where: the client address as the settings resolve it, and the request it came with.
    address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    # Before and after: changed fields only for a change; the whole (declared) state for create/delete.
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["workspace_id", "-time"], name="audit_workspace_time"),
            models.Index(fields=["org_id", "-time"], name="audit_org_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # The audit pages' filters, newest first (who: a substring of the user or token name).
            models.Index(fields=["workspace_id", "action", "-time"], name="audit_workspace_action"),
            models.Index(fields=["workspace_id", "object_type", "-time"], name="audit_workspace_object_type"),
            models.Index(fields=["org_id", "action", "-time"], name="audit_org_action"),
            models.Index(fields=["org_id", "object_type", "-time"], name="audit_org_object_type"),
            models.Index(fields=["org_id", "workspace_name", "-time"], name="audit_org_workspace"),
        ]
        default_permissions = ("view",)  # no add/change/delete permission exists to grant

    def __str__(self):
        return (
            f"{self.time:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.object_type} {self.object_repr}".strip()
        )

    @property
    def actor(self) -> str:
        if self.token_name:
            return f"{self.username} (token {self.token_name})"
        return self.username or "system"

    @property
    def object_label(self) -> str:
        """The object type as people read it ("Credentials", not "workspaces.credentials")."""
        from workspaces.audit.registry import object_type_choices

        return dict(object_type_choices()).get(self.object_type, self.object_type)

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) rows, in field order, for the page, the export and the admin."""
        before, after = self.before or {}, self.after or {}
        names = list(dict.fromkeys([*before, *after]))
        return [(name, before.get(name), after.get(name)) for name in names]
