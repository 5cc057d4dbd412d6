"""Django admin for operators: read-mostly, and never a secret.

Every write the admin offers goes through the services, or the admin cannot make it:

* organizations, workspaces and teams can be renamed and described here (`ServiceChangeAdmin`:
  the form is checked by the service in a rolled-back dry run, then saved by the service);
* team members, memberships, participants, credentials, labels and tokens are view-only and changed
  in the app, where the services enforce the organization and role rules; deleting credentials,
  teams and tokens calls their delete services;
* user accounts: operators grant or withdraw access (active, staff, superuser, groups, password);
  names and e-mail addresses are changed by their owners, users are neither added nor deleted here.

`tests/tenancy/test_admin_writes.py` walks every registered ModelAdmin and fails on a writable
field, add or delete that does not go through a service (or is not declared operator-only).
Credentials show metadata only: whether a secret is stored and the id of the key it is encrypted
under, never the secret or its ciphertext.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count

from seqera.forms import add_service_errors
from workspaces import crypto, services
from workspaces.models import (
    ApiToken,
    Credentials,
    Invitation,
    Label,
    Organization,
    OrgMembership,
    Participant,
    Team,
    VerifiedEmail,
    Workspace,
)


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


class _DryRun(Exception):
    pass


class ServiceChangeAdmin(admin.ModelAdmin):
    """A change form whose writes are the service's: `service_change(obj, fields, actor)` applies the
    changed fields through the app's service. The form runs it once in a savepoint that is rolled
    back (its ValidationError becomes the form's errors), and `save_model` runs it for real. Nothing
    is saved by the admin itself, and related objects (many-to-many fields, inlines) never are."""

    def service_change(self, obj, fields: dict, actor) -> None:
        raise NotImplementedError

    def changed_fields(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceCheckedForm(base):
            def _post_clean(self):
                super()._post_clean()
                if self.errors or self.instance.pk is None:
                    return
                fields = model_admin.changed_fields(self)
                try:
                    with transaction.atomic():
                        fresh = type(self.instance)._default_manager.get(pk=self.instance.pk)
                        model_admin.service_change(fresh, fields, actor=request.user)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as exc:
                    add_service_errors(self, exc)

        return ServiceCheckedForm

    def save_model(self, request, obj, form, change):
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        self.service_change(fresh, self.changed_fields(form), actor=request.user)

    def save_related(self, request, form, formsets, change):
        pass  # inlines and many-to-many fields are view-only here


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
class OrganizationAdmin(ServiceChangeAdmin):
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

    def service_change(self, obj, fields, actor):
        services.update_organization(org=obj, **fields)

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
class TeamAdmin(ServiceChangeAdmin):
    list_display = ["name", "org", "member_count", "date_created"]
    search_fields = ["name", "org__name", "members__username"]
    list_filter = [("org", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["org"]
    fields = ["org", "name", "description", "member_list", "date_created"]
    # Members only through the app: a team member must be in the organization (services).
    readonly_fields = ["org", "member_list", "date_created"]

    @admin.display(description="members")
    def member_list(self, obj):
        return ", ".join(sorted(user.username for user in obj.members.all())) or "—"

    def service_change(self, obj, fields, actor):
        services.update_team(
            team=obj,
            name=fields.get("name", obj.name),
            description=fields.get("description", obj.description),
            actor=actor,
        )

    def delete_model(self, request, obj):
        services.delete_team(team=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            services.delete_team(team=team, actor=request.user)

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
class WorkspaceAdmin(ServiceChangeAdmin):
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

    def service_change(self, obj, fields, actor):
        services.update_workspace(workspace=obj, **fields)

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
    list_display = ["name", "user", "date_created", "last_used", "expires_at"]
    search_fields = ["name", "user__username", "user__email"]
    list_select_related = ["user"]
    exclude = ["token_hash"]
    fields = ["name", "user", "date_created", "last_used", "expires_at"]
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


# --------------------------------------------------------------------------- user accounts
User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Operators grant and withdraw access; accounts are made by sign-up and invitations, and their
    names and e-mail addresses are their owners' (changed on the profile, e-mail with verification).
    No delete: it would take organizations and workspaces their owner; deactivate instead."""

    readonly_fields = ["username", "first_name", "last_name", "email", "last_login", "date_joined"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --------------------------------------------------------------------------- invitations and addresses
@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """View-only: invitations are sent, resent and revoked in the app by those who manage the
    organization or workspace. The link's token is never stored, only its hash, not shown here."""

    list_display = ["email", "org", "workspace", "team", "role", "status", "expires_at", "invited_by", "date_created"]
    list_filter = ["status"]
    search_fields = ["email", "org__name", "workspace__name", "team__name"]
    list_select_related = ["org", "workspace__org", "team", "invited_by"]
    exclude = ["token_hash"]
    date_hierarchy = "date_created"


@admin.register(VerifiedEmail)
class VerifiedEmailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "user", "date_verified"]
    search_fields = ["email", "user__username"]
    list_select_related = ["user"]


from workspaces.audit import admin as _audit_admin  # noqa: E402,F401  (registers the audit trail's admin)
