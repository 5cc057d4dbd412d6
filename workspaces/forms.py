"""Page forms. Each form's `save()` calls one function of `workspaces.services` (the only writer);
the service's field-keyed ValidationError lands beside the matching field."""

from datetime import timedelta

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from seqera.forms import ServiceForm
from workspaces import services
from workspaces.models import Invitation, Team, Workspace
from workspaces.permissions import OrgRole, WorkspaceRole

User = get_user_model()

NAME_HELP = "Up to 40 letters, digits, '-' and '_', starting and ending with a letter or digit. Used in URLs."
EFFECTIVE_ROLE_HELP = (
    "A user's effective role is the higher of their direct role and the roles of their teams here; "
    "organization owners are owners of every workspace."
)
ORG_ROLE_HELP = (
    "Owners manage the organization, its members, teams and every workspace. Members see the "
    "organization and create workspaces. Collaborators only see the workspaces they are added to."
)
WORKSPACE_ROLE_HELP = (
    "Owner: everything. Admin: everything except deleting the workspace. Maintain: pipelines, labels "
    "and launch settings, not compute environments or credentials. Launch: launch and follow runs. "
    "Connect: Studios. View: read only."
)
LABEL_HELP = "2–39 letters and digits, separated by single '-' or '_' (not at the start or end)."


RESERVED_NAMES = {"new"}


def clean_url_name(form) -> str:
    """Names that would shadow a page URL (``…/new/``) are refused."""
    name = form.cleaned_data["name"].strip()
    if name.lower() in RESERVED_NAMES:
        raise ValidationError(f"'{name}' is reserved; choose another name.")
    return name


# --------------------------------------------------------------------------- accounts
class ProfileForm(ServiceForm):
    email = forms.EmailField(
        label="E-mail",
        help_text="Invitations and notifications go to this address. A new address is used once you "
        "follow the link we e-mail to it; your current address keeps working until then.",
    )

    def save(self):
        """Sends the verification link; the address itself changes only when it is followed."""
        return services.request_email_verification(
            user=self.instance, email=self.cleaned_data["email"], base_url=self.context.get("base_url", "")
        )


TOKEN_EXPIRY_CHOICES = [("", "Never"), ("7", "In 7 days"), ("30", "In 30 days"), ("90", "In 90 days"),
                        ("365", "In a year")]  # fmt: skip


class ApiTokenForm(ServiceForm):
    name = forms.CharField(max_length=50, help_text="What the token is for, e.g. 'laptop CLI'.")
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=TOKEN_EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
        help_text="The token is refused from then on.",
    )

    def save(self):
        days = self.cleaned_data.get("expires_in")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        token, self.plaintext = services.create_api_token(
            user=self.context["user"], name=self.cleaned_data["name"], expires_at=expires_at
        )
        return token


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form plus the offer to revoke every personal access token with the old password."""

    revoke_tokens = forms.BooleanField(
        label="Also revoke all my personal access tokens",
        required=False,
        help_text="Scripts using them stop working until you give them a new token. "
        "Other browsers signed in to your account are signed out in any case.",
    )


# --------------------------------------------------------------------------- organizations
class OrganizationForm(ServiceForm):
    name = forms.CharField(max_length=40, help_text=NAME_HELP)
    full_name = forms.CharField(max_length=100, required=False, help_text="Display name (defaults to the name).")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False)
    location = forms.CharField(max_length=100, required=False)
    website = forms.URLField(required=False, assume_scheme="https")

    clean_name = clean_url_name

    def save(self):
        if self.instance is None:
            return services.create_organization(user=self.context["user"], **self.cleaned_data)
        return services.update_organization(org=self.instance, **self.cleaned_data)


def _limit_choices(field: forms.ChoiceField, allowed: list[str]) -> None:
    """Offers only the roles the acting user may grant (the service refuses the others anyway)."""
    field.choices = [(value, label) for value, label in field.choices if value in allowed]


class MemberAddForm(ServiceForm):
    email = forms.EmailField(
        label="E-mail", help_text="We e-mail an invitation; they join the organization when they accept it."
    )
    role = forms.ChoiceField(choices=OrgRole.choices, initial=OrgRole.MEMBER, help_text=ORG_ROLE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_choices(
            self.fields["role"], services.grantable_org_roles(org=self.context["org"], actor=self.context["user"])
        )

    def save(self):
        return services.add_org_member(
            org=self.context["org"], actor=self.context["user"], base_url=self.context["base_url"], **self.cleaned_data
        )


class MemberRoleForm(ServiceForm):
    role = forms.ChoiceField(choices=OrgRole.choices, help_text=ORG_ROLE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_choices(
            self.fields["role"], services.grantable_org_roles(org=self.context["org"], actor=self.context["user"])
        )

    def save(self):
        return services.change_org_member_role(
            membership=self.instance, role=self.cleaned_data["role"], actor=self.context["user"]
        )


class TeamForm(ServiceForm):
    name = forms.CharField(max_length=40, help_text=NAME_HELP)
    description = forms.CharField(max_length=250, required=False)

    clean_name = clean_url_name

    def save(self):
        if self.instance is None:
            return services.create_team(org=self.context["org"], actor=self.context["user"], **self.cleaned_data)
        return services.update_team(team=self.instance, actor=self.context["user"], **self.cleaned_data)


def org_members(org, exclude=None):
    """Members and owners of `org` (collaborators are outside people: they are invited by e-mail)."""
    users = User.objects.filter(org_memberships__org=org).exclude(org_memberships__role=OrgRole.COLLABORATOR)
    if exclude is not None:
        users = users.exclude(pk__in=exclude)
    return users.order_by("username").distinct()


class TeamMemberForm(ServiceForm):
    user = forms.ModelChoiceField(
        label="Member of the organization",
        queryset=User.objects.none(),
        required=False,
        empty_label="— choose a member —",
        help_text="Added to the team at once.",
    )
    email = forms.EmailField(
        label="Or invite by e-mail",
        required=False,
        help_text="We e-mail an invitation; they join the organization and the team when they accept it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        team = self.context.get("team")
        if team is not None:
            self.fields["user"].queryset = org_members(team.org, exclude=team.members.values("pk"))

    def clean(self):
        data = super().clean()
        if bool(data.get("email")) == bool(data.get("user")):
            raise ValidationError("Choose a member or give an e-mail address (one of the two).")
        return data

    def save(self):
        self.invitation = services.add_team_member(
            team=self.context["team"],
            actor=self.context["user"],
            user=self.cleaned_data["user"],
            email=self.cleaned_data["email"],
            base_url=self.context["base_url"],
        )
        return self.invitation or self.cleaned_data["user"]


# --------------------------------------------------------------------------- workspaces
class WorkspaceForm(ServiceForm):
    name = forms.CharField(max_length=40, help_text=NAME_HELP)
    full_name = forms.CharField(max_length=100, required=False, help_text="Display name (defaults to the name).")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, required=False)
    visibility = forms.ChoiceField(
        choices=Workspace.Visibility.choices,
        initial=Workspace.Visibility.PRIVATE,
        help_text="Shared workspaces share their pipelines with the whole organization.",
    )

    clean_name = clean_url_name

    def save(self):
        if self.instance is None:
            return services.create_workspace(org=self.context["org"], creator=self.context["user"], **self.cleaned_data)
        data = {**self.cleaned_data, "full_name": self.cleaned_data["full_name"] or self.cleaned_data["name"]}
        return services.update_workspace(workspace=self.instance, **data)


class ParticipantAddForm(ServiceForm):
    user = forms.ModelChoiceField(
        label="Member of the organization", queryset=User.objects.none(), required=False,
        empty_label="— choose a member —", help_text="Added at once.",
    )  # fmt: skip
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="— or choose a team —")
    email = forms.EmailField(
        label="Or invite by e-mail",
        required=False,
        help_text="We e-mail an invitation; they take part (as a collaborator if new to the organization) "
        "when they accept it.",
    )
    role = forms.ChoiceField(choices=WorkspaceRole.choices, initial=WorkspaceRole.LAUNCH, help_text=EFFECTIVE_ROLE_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org, workspace, actor = self.context["org"], self.context["workspace"], self.context["user"]
        self.fields["team"].queryset = Team.objects.filter(org=org)
        if org.role_of(actor) in (OrgRole.OWNER, OrgRole.MEMBER):  # collaborators do not see the member list
            self.fields["user"].queryset = org_members(
                org, exclude=workspace.participants.filter(user__isnull=False).values("user")
            )
        else:
            del self.fields["user"]
        _limit_choices(self.fields["role"], services.grantable_workspace_roles(workspace=workspace, actor=actor))

    def clean(self):
        data = super().clean()
        if sum(bool(data.get(name)) for name in ("user", "team", "email")) != 1:
            raise ValidationError("Choose a member or a team, or give an e-mail address (one of them).")
        return data

    def save(self):
        result = services.add_participant(
            workspace=self.context["workspace"],
            role=self.cleaned_data["role"],
            actor=self.context["user"],
            email=self.cleaned_data["email"],
            user=self.cleaned_data.get("user"),
            team=self.cleaned_data["team"],
            base_url=self.context["base_url"],
        )
        self.invitation = result if isinstance(result, Invitation) else None
        return result


class ParticipantRoleForm(ServiceForm):
    role = forms.ChoiceField(choices=WorkspaceRole.choices, help_text=f"{WORKSPACE_ROLE_HELP} {EFFECTIVE_ROLE_HELP}")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_choices(
            self.fields["role"],
            services.grantable_workspace_roles(workspace=self.context["workspace"], actor=self.context["user"]),
        )

    def save(self):
        return services.change_participant_role(
            participant=self.instance, role=self.cleaned_data["role"], actor=self.context["user"]
        )


# --------------------------------------------------------------------------- credentials
def secret_field(label: str, required: bool = True) -> forms.CharField:
    """Write-only: never rendered back, not even when the form is shown again with errors."""
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again.",
    )


ROLE_ARN_HELP = (
    "Optional. The keys are then only used to assume this role; we generate an external ID for the "
    "role's trust policy. Format: arn:aws:iam::<12-digit account>:role/<name>."
)


class CredentialsCreateForm(ServiceForm):
    name = forms.CharField(max_length=100, help_text="Unique in this workspace. Letters, digits, '-' and '_'.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)
    access_key = forms.CharField(
        label="Access key id", max_length=128, required=False, help_text="The AWS access key id (AKIA…)."
    )
    secret_key = secret_field("Secret access key", required=False)
    assume_role_arn = forms.CharField(label="Assume role ARN", max_length=2048, required=False, help_text=ROLE_ARN_HELP)

    def save(self):
        return services.create_credentials(
            workspace=self.context["workspace"], created_by=self.context["user"], **self.cleaned_data
        )


class CredentialsEditForm(ServiceForm):
    name = forms.CharField(max_length=100, help_text="Unique in this workspace. Letters, digits, '-' and '_'.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False)
    assume_role_arn = forms.CharField(label="Assume role ARN", max_length=2048, required=False, help_text=ROLE_ARN_HELP)

    def save(self):
        return services.update_credentials(credentials=self.instance, **self.cleaned_data)


class CredentialsSecretForm(ServiceForm):
    access_key = forms.CharField(label="Access key id", max_length=128, help_text="The new key pair's access key id.")
    secret_key = secret_field("Secret access key")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("access_key", None)  # a replacement is a new key pair

    def save(self):
        return services.replace_secret(credentials=self.instance, **self.cleaned_data)


# --------------------------------------------------------------------------- labels
class LabelForm(ServiceForm):
    field_order = ["name", "resource", "value", "is_default"]  # the switch comes before what it enables

    name = forms.CharField(label="Key", max_length=39, help_text=LABEL_HELP)
    value = forms.CharField(
        max_length=39,
        required=False,
        help_text=f"Resource labels only. {LABEL_HELP} Keys and values cannot start with 'aws' or 'user'.",
    )
    resource = forms.BooleanField(
        label="Resource label",
        required=False,
        help_text="A key=value tag applied to the AWS resources of compute environments and runs.",
    )
    is_default = forms.BooleanField(
        label="Use as default in compute environment form",
        required=False,
        help_text="Pre-selects this resource label when creating a compute environment.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["resource"].disabled = True
            self.fields["resource"].help_text = "The type of a label cannot change; create a new label instead."

    def save(self):
        data = self.cleaned_data
        if self.instance is None:
            return services.create_label(workspace=self.context["workspace"], **data)
        return services.update_label(
            label=self.instance, name=data["name"], value=data["value"], is_default=data["is_default"]
        )
