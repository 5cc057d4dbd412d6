"""Django admin for operators: read-mostly, and never a secret.

Organizations, workspaces and teams can be renamed and described here; everything with rules
(memberships, participants, credentials, labels, tokens) is view-only and changed in the app,
where the services enforce them. Credentials show metadata only: whether a secret is stored and
the id of the key it is encrypted under, never the secret or its ciphertext.
"""

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count

from workspaces import crypto, services
from workspaces.models import ApiToken, Credentials, Label, Organization, OrgMembership, Participant, Team, Workspace


class ReadOnlyAdminMixin:
    """View-only in the admin: no add, no change, no delete (override `has_delete_permission` to allow)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------- organizations
class OrgMembershipInline(ReadOnlyInline):
    model = OrgMembership
    fields = ["user", "role", "date_created"]
    readonly_fields = fields


class WorkspaceInline(ReadOnlyInline):
    model = Workspace
    fields = ["name", "full_name", "visibility", "date_created"]
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "full_name", "member_count", "workspace_count", "date_created"]
    search_fields = ["name", "full_name"]
    readonly_fields = ["date_created", "last_updated"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["name", "full_name", "description", "location", "website", "date_created", "last_updated"]
    inlines = [OrgMembershipInline, WorkspaceInline]
    date_hierarchy = "date_created"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _members=Count("memberships", distinct=True),
                _workspaces=Count("workspaces", distinct=True),
            )
        )

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj):
        return obj._members

    @admin.display(description="workspaces", ordering="_workspaces")
    def workspace_count(self, obj):
        return obj._workspaces

    def has_add_permission(self, request):
        return False  # an organization needs an owner: created in the app

    def has_delete_permission(self, request, obj=None):
        return False  # deleting cascades to workspaces and their AWS resources: done in the app


@admin.register(OrgMembership)
class OrgMembershipAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "org", "role", "date_created"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "org__name"]
    list_select_related = ["user", "org"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "org", "member_count", "date_created"]
    search_fields = ["name", "org__name", "members__username"]
    list_filter = [("org", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["org"]
    autocomplete_fields = ["members"]
    fields = ["org", "name", "description", "members", "date_created"]
    readonly_fields = ["org", "date_created"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members", distinct=True))

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj):
        return obj._members

    def has_add_permission(self, request):
        return False


# --------------------------------------------------------------------------- workspaces
class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["user", "team", "role", "date_created"]
    readonly_fields = fields


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "org", "full_name", "visibility", "participant_count", "date_created"]
    list_filter = ["visibility", ("org", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "full_name", "org__name"]
    list_select_related = ["org"]
    fields = ["org", "name", "full_name", "description", "visibility", "date_created", "last_updated"]
    readonly_fields = ["org", "date_created", "last_updated"]
    inlines = [ParticipantInline]
    date_hierarchy = "date_created"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_participants=Count("participants", distinct=True))

    @admin.display(description="participants", ordering="_participants")
    def participant_count(self, obj):
        return obj._participants

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "workspace", "role", "date_created"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "team__name", "workspace__name", "workspace__org__name"]
    list_select_related = ["user", "team", "workspace__org"]


# --------------------------------------------------------------------------- credentials
class EncryptionKeyFilter(admin.SimpleListFilter):
    """Rows per encryption key id: an old key can leave the ring once its count is 0."""

    title = "encryption key"
    parameter_name = "key_id"

    def lookups(self, request, model_admin):
        try:
            ids = [kid for kid, _ in crypto.key_ring().keys]
        except Exception:  # a broken ring is reported by the system check, not here
            ids = []
        return [(kid, kid) for kid in ids] + [("none", "no secret")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(secret_encrypted="")
        if self.value():
            return queryset.filter(secret_encrypted__startswith=f"{crypto.VERSION}:{self.value()}:")
        return queryset


@admin.register(Credentials)
class CredentialsAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "workspace",
        "access_key",
        "mode",
        "status",
        "account_id",
        "has_secret_display",
        "key_id",
        "last_validated",
        "date_created",
    ]
    list_filter = ["status", EncryptionKeyFilter, "provider"]
    search_fields = ["name", "access_key", "account_id", "assume_role_arn", "workspace__name", "workspace__org__name"]
    list_select_related = ["workspace__org"]
    show_facets = admin.ShowFacets.ALWAYS
    # The secret and its ciphertext are never listed here: not as a field, column or read-only value.
    exclude = ["secret_encrypted"]
    fields = [
        "id",
        "workspace",
        "name",
        "description",
        "provider",
        "access_key",
        "has_secret_display",
        "key_id",
        "assume_role_arn",
        "external_id",
        "status",
        "message",
        "account_id",
        "last_validated",
        "created_by",
        "date_created",
        "last_updated",
        "last_used",
    ]
    readonly_fields = fields
    actions = ["revalidate"]
    date_hierarchy = "date_created"

    @admin.display(description="has secret", boolean=True)
    def has_secret_display(self, obj):
        return obj.has_secret

    @admin.display(description="encryption key")
    def key_id(self, obj):
        if not obj.secret_encrypted:
            return "—"
        try:
            return crypto.key_id_of(obj.secret_encrypted)
        except crypto.DecryptionError:
            return "(malformed)"

    @admin.action(description="Re-validate selected credentials")
    def revalidate(self, request, queryset):
        with transaction.atomic():
            for credentials in queryset.only("id", "workspace_id"):
                services.request_credentials_validation(credentials=credentials)
        count = queryset.count()
        self.message_user(
            request, f"Validation of {count} credential(s) was queued; the status updates shortly.", messages.SUCCESS
        )

    def has_add_permission(self, request):
        return False  # secrets are typed by workspace admins in the app, never here

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.delete_credentials(credentials=obj)

    def delete_queryset(self, request, queryset):
        for credentials in queryset:
            services.delete_credentials(credentials=credentials)


# --------------------------------------------------------------------------- labels and tokens
@admin.register(Label)
class LabelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "value", "resource", "is_default", "workspace", "date_created"]
    list_filter = ["resource", "is_default"]
    search_fields = ["name", "value", "workspace__name", "workspace__org__name"]
    list_select_related = ["workspace__org"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "date_created", "last_used"]
    search_fields = ["name", "user__username", "user__email"]
    list_select_related = ["user"]
    exclude = ["token_hash"]
    fields = ["name", "user", "date_created", "last_used"]
    readonly_fields = fields
    date_hierarchy = "date_created"

    def has_add_permission(self, request):
        return False  # a token is shown once to its owner: created on the profile page or the API

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.revoke_api_token(token=obj)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            services.revoke_api_token(token=token)


from workspaces.audit import admin as _audit_admin  # noqa: E402,F401  (registers the audit trail's admin)
