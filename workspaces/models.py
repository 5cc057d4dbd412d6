import hashlib
from datetime import timedelta
from enum import nonmember

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from seqera.choices import StatusChoices
from seqera.ids import new_public_id
from seqera.prepared import PreparedQuery, model_columns, model_instance
from seqera.routes import reverse_cached
from workspaces import crypto
from workspaces.permissions import ROLE_ORDER, ROLE_RANK, OrgRole, WorkspaceRole, role_allows, roles_allowing

NAME_PATTERN = r"^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$"
name_validator = RegexValidator(
    NAME_PATTERN,
    "Use letters, digits, '-' and '_' only, starting and ending with a letter or digit.",
)
LABEL_PATTERN = r"^[a-zA-Z0-9]+([_-][a-zA-Z0-9]+)*$"
ROLE_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$"
MAX_LABELS_PER_WORKSPACE = 1000


# --------------------------------------------------------------------------- tenancy
def accessible_workspace_ids(user, action: str):
    """Ids of the workspaces where `user`'s effective role allows `action` (a subquery).

    Effective role = org owner (owner of every workspace of the org), else the higher of the
    user's direct participant role and the roles of the teams they belong to.
    """
    if not getattr(user, "is_authenticated", False):
        return Workspace.objects.none().values("id")
    roles = roles_allowing(action)
    # One semi-join per way in: ORing conditions on two multi-valued relations in one filter()
    # joins them together, participants x org memberships rows per workspace.
    condition = Q(id__in=Participant.objects.filter(user=user, role__in=roles).values("workspace_id")) | Q(
        id__in=Participant.objects.filter(team__members=user, role__in=roles).values("workspace_id")
    )
    if "owner" in roles:
        condition |= Q(org__in=OrgMembership.objects.filter(user=user, role=OrgRole.OWNER).values("org_id"))
    return Workspace.objects.filter(condition).values("id")


class TenantQuerySet(models.QuerySet):
    """Queryset of a tenant-owned model: views read it through `restrict(user, action)`, or, once
    the request's role in the workspace is known, `for_role(workspace, role, action)`.

    Rows read through `in_workspace(workspace)` (and so `for_role`) hold that workspace instance
    as their `workspace`, with its organization if it was read with one: a page links its rows
    (`workspace.url()`) without joining or reading the workspace again for each row."""

    workspace_lookup = "workspace"
    _workspace = None

    def restrict(self, user, action: str):
        return self.filter(**{f"{self.workspace_lookup}__in": accessible_workspace_ids(user, action)})

    def in_workspace(self, workspace):
        queryset = self.filter(**{self.workspace_lookup: workspace})
        if self.workspace_lookup == "workspace" and isinstance(workspace, Workspace):
            queryset._workspace = workspace
        return queryset

    def _clone(self):
        clone = super()._clone()
        clone._workspace = self._workspace
        return clone

    def _fetch_all(self):
        super()._fetch_all()
        workspace = self._workspace
        if workspace is None or self._iterable_class is not models.query.ModelIterable:
            return
        attach_workspace(self._result_cache, workspace)

    def for_role(self, workspace, role: str | None, action: str):
        """`restrict(user, action).in_workspace(workspace)` for a user whose effective role in
        `workspace` is `role` (resolved once for the request), without deriving it again in SQL."""
        return self.in_workspace(workspace) if role_allows(role, action) else self.none()


def attach_workspace(rows, workspace):
    """What `TenantQuerySet.in_workspace` does for the rows it reads: each row of `workspace` (its
    key read, not deferred) holds that instance as its ``workspace`` (no query, no join for it)."""
    for row in rows:
        if row.__dict__.get("workspace_id") == workspace.pk:
            row._state.fields_cache.setdefault("workspace", workspace)
    return rows


def _role_rank():
    return models.Case(
        *(models.When(role=role, then=models.Value(rank)) for role, rank in ROLE_RANK.items()),
        output_field=models.IntegerField(),
    )


class WorkspaceQuerySet(TenantQuerySet):
    workspace_lookup = "id"

    def with_role(self, user):
        """Each workspace with what `Workspace.annotated_role` needs to name `user`'s effective
        role there, read in the same statement (three scalar subqueries: the direct role, the
        highest team role, organization ownership)."""
        if not getattr(user, "is_authenticated", False):
            none = models.Value(None, output_field=models.IntegerField())
            return self.annotate(direct_rank=none, team_rank=none, org_owner=models.Value(False))
        direct = Participant.objects.filter(workspace=models.OuterRef("pk"), user=user).annotate(rank=_role_rank())
        team = (
            Participant.objects.filter(workspace=models.OuterRef("pk"), team__members=user)
            .annotate(rank=_role_rank())
            .order_by("-rank")
        )
        owner = OrgMembership.objects.filter(org=models.OuterRef("org_id"), user=user, role=OrgRole.OWNER)
        return self.annotate(
            direct_rank=models.Subquery(direct.values("rank")[:1]),
            team_rank=models.Subquery(team.values("rank")[:1]),
            org_owner=models.Exists(owner),
        )


def _workspace_with_role(user_id: int, **lookup):
    return (
        Workspace.objects.with_role(_user(user_id))
        .filter(**lookup)
        .order_by()
        .values_list(*model_columns(Workspace, "org"), "direct_rank", "team_rank", "org_owner")
    )


_BY_ID = PreparedQuery(
    lambda user_id, workspace_id: _workspace_with_role(user_id, pk=workspace_id), ints=("user_id", "workspace_id")
)
_BY_NAME = PreparedQuery(
    lambda user_id, org, workspace: _workspace_with_role(user_id, org__name=org, name=workspace),
    ints=("user_id",),
    strs=("org", "workspace"),
)


def workspace_with_role(user, *, pk: int | None = None, org: str = "", name: str = "") -> "Workspace":
    """The workspace `pk` (or `name` in organization `org`) with its organization and what
    `annotated_role` needs for `user` (signed in), as `select_related("org").with_role(user)`
    reads it, in one statement compiled once per process (`seqera.prepared`); DoesNotExist when
    there is none."""
    if pk is not None:
        rows = _BY_ID.rows(user_id=user.pk, workspace_id=pk)
    else:
        rows = _BY_NAME.rows(user_id=user.pk, org=org, workspace=name)
    if not rows:
        raise Workspace.DoesNotExist
    workspace, (workspace.direct_rank, workspace.team_rank, workspace.org_owner) = model_instance(
        Workspace, rows[0], "org"
    )
    return workspace


_READABLE = PreparedQuery(
    lambda user_id: (
        Workspace.objects.restrict(_user(user_id), "workspace:read")
        .order_by("org__name", "name")
        .values_list(*model_columns(Workspace, "org"))
    ),
    ints=("user_id",),
)


def readable_workspaces(user) -> list["Workspace"]:
    """The workspaces `user` (signed in) can open, with their organizations, by organization and
    name: `restrict(user, "workspace:read")` in one statement compiled once per process."""
    return [model_instance(Workspace, row, "org")[0] for row in _READABLE.rows(user_id=user.pk)]


def _user(user_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model()(pk=user_id)


class TenantModel(models.Model):
    """Base of every model owned by a workspace (non-null `workspace`, restrictable queryset)."""

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


# --------------------------------------------------------------------------- orgs and workspaces
class Organization(models.Model):
    name = models.CharField(max_length=40, unique=True, validators=[name_validator])
    full_name = models.CharField(max_length=100)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(1000)])
    location = models.CharField(max_length=100, blank=True)
    website = models.URLField(blank=True)
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # `DEMO` beside `demo` would be a look-alike: names are unique ignoring case, like the others.
            models.UniqueConstraint(
                Lower("name"),
                name="unique_org_name_ci",
                violation_error_message="An organization with this name already exists (names ignore case).",
            )
        ]

    def __str__(self):
        return self.name

    def url(self, name: str, **kwargs) -> str:
        """The URL of route `name` (``"<app>:<route>"``) in this organization (``/orgs/<org>/…``)."""
        return reverse_cached(name, {"org": self.name, **kwargs})

    def role_of(self, user) -> str | None:
        if not getattr(user, "is_authenticated", False):
            return None
        return self.memberships.filter(user=user).values_list("role", flat=True).first()


class OrgMembership(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_memberships")
    role = models.CharField(max_length=20, choices=OrgRole.choices, default=OrgRole.MEMBER)
    date_created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "user"], name="unique_org_member")]
        ordering = ["user__username"]
        indexes = [  # the members page's role filter and sorts (user and e-mail: a join)
            models.Index(fields=["org", "role"], name="member_list_role"),
            models.Index(fields=["org", "date_created"], name="member_list_created"),
        ]

    def __str__(self):
        return f"{self.user} in {self.org} ({self.role})"


class Team(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=40, validators=[name_validator])
    description = models.CharField(max_length=250, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    date_created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="unique_team_name")]
        ordering = ["name"]
        indexes = [models.Index(fields=["org", "description"], name="team_list_description")]

    def __str__(self):
        return self.name


class Workspace(models.Model):
    class Visibility(models.TextChoices):
        PRIVATE = "PRIVATE", "Private"
        SHARED = "SHARED", "Shared"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="workspaces")
    name = models.CharField(max_length=40, validators=[name_validator])
    full_name = models.CharField(max_length=100)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(1000)])
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="unique_workspace_name")]
        ordering = ["org__name", "name"]
        indexes = [  # the organization page's sorts (name: the unique constraint)
            models.Index(fields=["org", "full_name"], name="workspace_list_full_name"),
            models.Index(fields=["org", "visibility"], name="workspace_list_visibility"),
            models.Index(fields=["org", "date_created"], name="workspace_list_created"),
        ]

    def __str__(self):
        return f"{self.org.name}/{self.name}"

    def url(self, name: str, **kwargs) -> str:
        """The URL of route `name` (``"<app>:<route>"``) in this workspace
        (``/orgs/<org>/workspaces/<workspace>/…``): the one URL helper of workspace pages."""
        return reverse_cached(name, {"org": self.org.name, "workspace": self.name, **kwargs})

    def role_of(self, user) -> str | None:
        """The user's effective role here (None for non-participants), in one query."""
        if not getattr(user, "is_authenticated", False):
            return None
        return workspace_with_role(user, pk=self.pk).annotated_role

    @property
    def annotated_role(self) -> str | None:
        """The effective role of the user this row was read for with `with_role(user)`: owner
        for an organization owner, else the higher of the direct and team roles, else None."""
        if self.org_owner:
            return WorkspaceRole.OWNER.value
        ranks = [rank for rank in (self.direct_rank, self.team_rank) if rank is not None]
        return ROLE_ORDER[max(ranks)] if ranks else None


class Participant(models.Model):
    """A member, collaborator or team with a role in a workspace."""

    class Type(models.TextChoices):
        MEMBER = "MEMBER"
        TEAM = "TEAM"
        COLLABORATOR = "COLLABORATOR"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="participations"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=20, choices=WorkspaceRole.choices, default=WorkspaceRole.VIEW)
    date_created = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="participant_is_user_xor_team",
            ),
            models.UniqueConstraint(fields=["workspace", "user"], name="unique_user_participant"),
            models.UniqueConstraint(fields=["workspace", "team"], name="unique_team_participant"),
        ]
        ordering = ["id"]
        indexes = [models.Index(fields=["workspace", "role"], name="participant_list_role")]

    def __str__(self):
        return f"{self.user or self.team} ({self.role})"

    @property
    def type(self) -> str:
        if self.team_id:
            return self.Type.TEAM
        membership = next((m for m in self.user.org_memberships.all() if m.org_id == self.workspace.org_id), None)
        if membership and membership.role == OrgRole.COLLABORATOR:
            return self.Type.COLLABORATOR
        return self.Type.MEMBER


# --------------------------------------------------------------------------- credentials
class Credentials(TenantModel):
    """AWS credentials of a workspace. The secret access key is write-only and encrypted at rest."""

    class Status(StatusChoices):
        AVAILABLE = "AVAILABLE"
        INVALID = "INVALID"
        colours = nonmember({"AVAILABLE": "success", "INVALID": "danger"})

    id = models.CharField(primary_key=True, max_length=22, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(max_length=100, validators=[name_validator])
    description = models.TextField(blank=True, validators=[MaxLengthValidator(1000)])
    provider = models.CharField(max_length=20, default="aws", editable=False)
    access_key = models.CharField(max_length=128, blank=True)
    secret_encrypted = models.TextField(blank=True, editable=False)
    assume_role_arn = models.CharField(
        max_length=2048,
        blank=True,
        validators=[
            RegexValidator(ROLE_ARN_PATTERN, "Enter an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>.")
        ],
    )
    external_id = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    message = models.TextField(blank=True)
    account_id = models.CharField(max_length=12, blank=True)
    last_validated = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)
    last_used = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "credentials"
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_credentials_name")]
        ordering = ["name"]
        indexes = [  # the credentials page's status filter and sorts (name: the unique constraint)
            models.Index(fields=["workspace", "status"], name="credentials_list_status"),
            models.Index(fields=["workspace", "access_key"], name="credentials_list_access_key"),
            models.Index(fields=["workspace", "account_id"], name="credentials_list_account"),
            models.Index(fields=["workspace", "last_validated"], name="credentials_list_validated"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return self.workspace.url("workspaces:credentials_detail", pk=self.pk)

    def _aad(self) -> bytes:
        return crypto.associated_data(workspace_id=self.workspace_id, row_id=self.id, field="secretKey")

    def set_secret(self, secret_key: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret_key, aad=self._aad()) if secret_key else ""

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted, aad=self._aad()) if self.secret_encrypted else ""

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    @property
    def key_problem(self) -> str:
        """Why the stored secret cannot be decrypted with the key ring in force ('' when it can):
        rows encrypted under a key since removed from CREDENTIALS_KEYS are unusable, whatever
        their last validation said."""
        if not self.secret_encrypted:
            return ""
        try:
            key_id = crypto.key_id_of(self.secret_encrypted)
        except crypto.DecryptionError:
            return "Unusable: the stored secret key is malformed. Enter the key pair again."
        if any(key_id == known for known, _ in crypto.key_ring().keys):
            return ""
        return (
            f"Unusable: the secret key is encrypted under key {key_id!r}, which is no longer in "
            "CREDENTIALS_KEYS. Put that key back in the ring (then rotate), or enter the key pair again."
        )

    @property
    def effective_status(self) -> str:
        """The status pages and the API show: INVALID when the secret cannot be decrypted."""
        return self.Status.INVALID if self.key_problem else self.status

    @property
    def effective_message(self) -> str:
        return self.key_problem or self.message

    @property
    def mode(self) -> str:
        return "role" if self.assume_role_arn and not self.access_key else "keys"


# --------------------------------------------------------------------------- labels
class Label(TenantModel):
    """A workspace label. Resource labels (key=value) become AWS tags on forged resources."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=39)
    value = models.CharField(max_length=39, blank=True)
    resource = models.BooleanField(default=False)
    is_default = models.BooleanField(default=False)
    date_created = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_label_key")]
        ordering = ["name"]
        indexes = [  # the labels page's type filter and sorts (key: the unique constraint)
            models.Index(fields=["workspace", "value"], name="label_list_value"),
            models.Index(fields=["workspace", "resource"], name="label_list_resource"),
            models.Index(fields=["workspace", "is_default"], name="label_list_default"),
            models.Index(fields=["workspace", "date_created"], name="label_list_created"),
        ]

    def __str__(self):
        return f"{self.name}={self.value}" if self.resource else self.name


# --------------------------------------------------------------------------- API tokens
class ApiToken(models.Model):
    """A personal access token. Only its SHA-256 is stored; the token is shown once."""

    PREFIX = "sqt_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=50)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    date_created = models.DateTimeField(auto_now_add=True)
    # Written at most once a minute per token (the authentication skips fresher stamps).
    last_used = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Refused from this moment on; empty: never.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_token_name")]
        ordering = ["-date_created"]
        indexes = [  # the profile's token table sorts (name: the unique constraint)
            models.Index(fields=["user", "date_created"], name="token_list_created"),
            models.Index(fields=["user", "last_used"], name="token_list_last_used"),
            models.Index(fields=["user", "expires_at"], name="token_list_expires"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- e-mail addresses and invitations
class VerifiedEmail(models.Model):
    """An address its owner proved to control by following a link sent to it. Only these take part
    in matching an invitation or a new member to an account; `User.email` alone never does."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_email")
    email = models.EmailField(max_length=254)
    date_verified = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="unique_verified_email_ci")]

    def __str__(self):
        return self.email


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation to an organization (as a role), a team or a workspace (as a role), sent to an
    e-mail address. Nothing is granted until the person who controls that address accepts it
    through the link e-mailed to them; only the SHA-256 of the link's token is stored."""

    LIFETIME = timedelta(days=7)

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        ACCEPTED = "ACCEPTED", "Accepted"
        REVOKED = "REVOKED", "Revoked"

    email = models.EmailField(max_length=254)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations")
    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, blank=True)  # org role, or workspace role for a workspace
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    date_created = models.DateTimeField(auto_now_add=True)
    last_updated = models.DateTimeField(auto_now=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-date_created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(workspace__isnull=True), name="invitation_team_or_workspace"
            )
        ]

    def __str__(self):
        return f"invitation of {self.email} to {self.target}"

    @property
    def target(self) -> str:
        if self.workspace_id:
            return f"workspace {self.workspace}"
        if self.team_id:
            return f"team {self.team.name} of {self.org.name}"
        return f"organization {self.org.name}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """PENDING, EXPIRED, ACCEPTED or REVOKED (expiry is a matter of time, not a stored status)."""
        if self.status == self.Status.PENDING and self.is_expired:
            return "EXPIRED"
        return self.status


from workspaces.audit.models import AuditEvent  # noqa: E402,F401  (the audit trail's table lives with its package)
