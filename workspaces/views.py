"""Browser pages. Views declare model, form, table, filterset and permission action; the base
classes in `seqera.views` and `workspaces.tenancy` bring scoping (404 outside, 403 below the role), and every
write goes through a form's `save()`, i.e. through `workspaces.services`."""

import json

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, TemplateView
from django_tables2 import SingleTableMixin

from computeenvs.models import ComputeEnv
from seqera.views.generic import (
    PENDING_NOTICE,
    ObjectDeleteView,
    ObjectFormView,
    ObjectListView,
    ObjectMixin,
    PageMixin,
)
from seqera.views.live import LiveStatusMixin, stamp
from workspaces import filters, forms, services, tables
from workspaces.models import ApiToken, Credentials, Invitation, Label, OrgMembership, Participant, Team, Workspace
from workspaces.permissions import OrgRole, role_allows
from workspaces.tenancy import OrgPage, WorkspacePage


# --------------------------------------------------------------------------- accounts
class HomeView(LoginRequiredMixin, PageMixin, TemplateView):
    template_name = "workspaces/home.html"
    page_title = "Your organizations and workspaces"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        workspaces = list(Workspace.objects.restrict(user, "workspace:read").select_related("org"))
        memberships = OrgMembership.objects.filter(user=user).select_related("org").order_by("org__name")
        context["orgs"] = [
            {"org": m.org, "role": m.role, "workspaces": [w for w in workspaces if w.org_id == m.org_id]}
            for m in memberships
        ]
        return context


@method_decorator(never_cache, name="dispatch")
class ProfileView(LoginRequiredMixin, PageMixin, TemplateView):
    """Profile: e-mail, password link and personal access tokens. A new token is rendered once,
    in the response to the POST that created it, and never again."""

    template_name = "registration/profile.html"
    page_title = "Your profile"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("profile_form", forms.ProfileForm(instance=user, prefix="profile"))
        context.setdefault("token_form", forms.ApiTokenForm(prefix="token", context={"user": user}))
        context["tokens"] = tables.ApiTokenTable(ApiToken.objects.filter(user=user))
        context["email_verified"] = services.is_email_verified(user)
        return context

    def post(self, request, *args, **kwargs):
        user = request.user
        if request.POST.get("action") == "token":
            form = forms.ApiTokenForm(request.POST, prefix="token", context={"user": user})
            if form.is_valid():
                try:
                    token = form.save()
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    messages.success(request, f"Token {token.name} created. Copy it now: it is not shown again.")
                    return self.render_to_response(
                        self.get_context_data(new_token=form.plaintext, new_token_name=token.name)
                    )
            return self.render_to_response(self.get_context_data(token_form=form))
        base_url = request.build_absolute_uri("/").rstrip("/")
        if request.POST.get("action") == "verify":
            services.request_email_verification(user=user, email=user.email, base_url=base_url)
            messages.info(request, f"We sent a link to {user.email}: follow it to confirm the address.")
            return redirect("profile")
        form = forms.ProfileForm(request.POST, instance=user, prefix="profile", context={"base_url": base_url})
        if form.is_valid():
            try:
                email = form.save()
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.info(
                    request,
                    f"We sent a link to {email}. Your address changes when you follow it; "
                    f"until then {user.email or 'your current address'} stays in use.",
                )
                return redirect("profile")
        return self.render_to_response(self.get_context_data(profile_form=form))


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.revoke_api_token(token=token)
        messages.success(request, f"Token {token.name} revoked: requests using it are now refused.")
        return redirect("profile")


class TokenRevokeAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.revoke_all_api_tokens(user=request.user)
        messages.success(request, f"{count} token(s) revoked: requests using them are now refused.")
        return redirect("profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password signs out every other session (Django's session hash changes with the
    password; this one is kept) and, when asked, revokes all personal access tokens."""

    form_class = forms.PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        text = "Password changed. Other browsers signed in to your account are signed out."
        if form.cleaned_data.get("revoke_tokens"):
            count = services.revoke_all_api_tokens(user=self.request.user)
            text += f" {count} personal access token(s) revoked."
        elif ApiToken.objects.filter(user=self.request.user).exists():
            text += " Your personal access tokens still work: revoke them below if the old password leaked."
        messages.success(self.request, text)
        return response

    def get_success_url(self):
        return reverse("profile")


# --------------------------------------------------------------------------- organizations
class OrgCreateView(LoginRequiredMixin, ObjectFormView):
    form_class = forms.OrganizationForm
    page_title = "New organization"
    submit_label = "Create organization"
    success_message = "Organization {object} created. Next: create a workspace in it."

    def get_success_url(self):
        return reverse("workspaces:org_detail", kwargs={"org": self.object.name})

    def get_cancel_url(self):
        return reverse("home")


class OrgDetailView(OrgPage, PageMixin, SingleTableMixin, TemplateView):
    """The organization's workspaces the user can open (collaborators: only their own)."""

    template_name = "workspaces/org_detail.html"
    min_org_role = OrgRole.COLLABORATOR
    section = "workspaces"
    table_class = tables.WorkspaceTable
    table_pagination = {"per_page": 25}

    def get_page_title(self):
        return self.org.full_name or self.org.name

    def get_table_data(self):
        return Workspace.objects.restrict(self.request.user, "workspace:read").filter(org=self.org)


class OrgEditView(OrgPage, ObjectFormView):
    min_org_role = OrgRole.OWNER
    form_class = forms.OrganizationForm
    section = "settings"
    page_title = "Organization settings"
    success_message = "Organization {object} saved."

    def get_object(self):
        return self.org

    def get_success_url(self):
        return reverse("workspaces:org_detail", kwargs={"org": self.object.name})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delete_url"] = self.org_url("workspaces:org_delete")
        return context


class OrgDeleteView(OrgPage, ObjectDeleteView):
    min_org_role = OrgRole.OWNER
    section = "settings"
    page_title = "Delete organization"
    consequences = "All its workspaces, teams, credentials and labels are deleted too. This cannot be undone."

    def get_object(self):
        return self.org

    def perform_delete(self, obj):
        services.delete_organization(org=obj)

    def get_success_url(self):
        return reverse("home")

    def get_cancel_url(self):
        return self.org_url("workspaces:org_edit")


class MemberListView(OrgPage, ObjectListView):
    template_name = "workspaces/org_members.html"
    table_class = tables.MemberTable
    filterset_class = filters.MemberFilterSet
    section = "members"
    page_title = "Members"

    def get_queryset(self):
        return OrgMembership.objects.filter(org=self.org).select_related("user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.org_role == OrgRole.OWNER:
            context["invitations"] = (
                Invitation.objects.filter(org=self.org, status=Invitation.Status.PENDING)
                .select_related("org", "team", "workspace", "invited_by")
                .order_by("-date_created")[:100]
            )
        return context


class MemberMixin(OrgPage):
    min_org_role = OrgRole.OWNER
    section = "members"

    def get_queryset(self):
        return OrgMembership.objects.filter(org=self.org).select_related("user", "org")

    def get_success_url(self):
        return self.org_url("workspaces:org_members")


class MemberAddView(MemberMixin, ObjectFormView):
    form_class = forms.MemberAddForm
    page_title = "Invite a member"
    submit_label = "Send invitation"
    success_message = "Invitation sent to {object.email}: they join as {object.role} when they accept it."


class MemberRoleView(MemberMixin, ObjectFormView):
    form_class = forms.MemberRoleForm
    page_title = "Change member role"
    success_message = "{object.user.username} is now {object.role}."

    def get_page_title(self):
        return f"Role of {self.object.user.username}"


class MemberRemoveView(MemberMixin, ObjectDeleteView):
    page_title = "Remove member"
    success_message = "Removed {object}."
    consequences = "They also leave every team and workspace of the organization."

    def perform_delete(self, obj):
        services.remove_org_member(membership=obj, actor=self.request.user)


# --------------------------------------------------------------------------- teams
class TeamListView(OrgPage, PageMixin, SingleTableMixin, TemplateView):
    template_name = "workspaces/org_teams.html"
    table_class = tables.TeamTable
    table_pagination = {"per_page": 25}
    section = "teams"
    page_title = "Teams"

    def get_table_data(self):
        return Team.objects.filter(org=self.org).annotate(member_count=Count("members"))


class TeamMixin(OrgPage):
    min_org_role = OrgRole.OWNER
    section = "teams"
    lookup_url_kwarg = "team"
    lookup_field = "name"

    def get_queryset(self):
        return Team.objects.filter(org=self.org).select_related("org")

    def get_success_url(self):
        return self.org_url("workspaces:team_detail", team=self.object.name)


class TeamDetailView(TeamMixin, PageMixin, ObjectMixin, SingleTableMixin, TemplateView):
    min_org_role = OrgRole.MEMBER
    template_name = "workspaces/team_detail.html"
    table_class = tables.TeamMemberTable
    table_pagination = {"per_page": 25}

    def get_page_title(self):
        return f"Team {self.object.name}"

    def get_table_data(self):
        return self.object.members.order_by("username")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team"] = self.object
        context["add_form"] = forms.TeamMemberForm(context={"team": self.object})
        return context


class TeamCreateView(TeamMixin, ObjectFormView):
    form_class = forms.TeamForm
    page_title = "New team"
    submit_label = "Create team"
    success_message = "Team {object} created. Add its members next."

    def get_cancel_url(self):
        return self.org_url("workspaces:org_teams")


class TeamEditView(TeamMixin, ObjectFormView):
    form_class = forms.TeamForm
    success_message = "Team {object} saved."

    def get_page_title(self):
        return f"Edit team {self.object.name}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delete_url"] = self.org_url("workspaces:team_delete", team=self.object.name)
        return context


class TeamDeleteView(TeamMixin, ObjectDeleteView):
    page_title = "Delete team"
    consequences = "Its members stay in the organization but lose the roles the team gave them in workspaces."

    def perform_delete(self, obj):
        services.delete_team(team=obj, actor=self.request.user)

    def get_success_url(self):
        return self.org_url("workspaces:org_teams")

    def get_cancel_url(self):
        return self.org_url("workspaces:team_detail", team=self.object.name)


class TeamMemberAddView(TeamMixin, ObjectFormView):
    form_class = forms.TeamMemberForm
    page_title = "Add a team member"
    submit_label = "Add to team"

    def dispatch_object(self):
        self.team = self.get_object()
        self.object = None

    def form_context(self):
        return {**super().form_context(), "team": self.team}

    def get_success_message(self):
        if isinstance(self.object, Invitation):
            return f"Invitation sent to {self.object.email}: they join team {self.team.name} when they accept it."
        return f"{self.object.username} added to team {self.team.name}."

    def get_success_url(self):
        return self.org_url("workspaces:team_detail", team=self.team.name)

    get_cancel_url = get_success_url


class TeamMemberRemoveView(TeamMixin, ObjectDeleteView):
    page_title = "Remove team member"

    def dispatch_object(self):
        self.team = self.get_object()
        self.object = get_object_or_404(self.team.members.all(), pk=self.kwargs["user_id"])

    def perform_delete(self, obj):
        services.remove_team_member(team=self.team, user=obj, actor=self.request.user)

    def get_success_url(self):
        return self.org_url("workspaces:team_detail", team=self.team.name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object_type="member", question=f"Remove {self.object.username} from team {self.team.name}?")
        return context


# --------------------------------------------------------------------------- workspaces
class WorkspaceCreateView(OrgPage, ObjectFormView):
    min_org_role = OrgRole.MEMBER
    form_class = forms.WorkspaceForm
    section = "workspaces"
    page_title = "New workspace"
    submit_label = "Create workspace"
    success_message = "Workspace {object.name} created. Next: add AWS credentials, then a compute environment."

    def get_success_url(self):
        return reverse("workspaces:workspace_detail", kwargs={"org": self.org.name, "workspace": self.object.name})

    def get_cancel_url(self):
        return self.org_url("workspaces:org_detail")


def compute_envs_url(org: str, workspace: str) -> str:
    try:
        return reverse("computeenvs:list", kwargs={"org": org, "workspace": workspace})
    except NoReverseMatch:
        return reverse("workspaces:workspace_detail", kwargs={"org": org, "workspace": workspace}) + "compute-envs/"


class WorkspaceDetailView(WorkspacePage, PageMixin, TemplateView):
    template_name = "workspaces/workspace_detail.html"
    permission_action = "workspace:read"
    section = "overview"

    def get_page_title(self):
        return self.workspace.full_name or self.workspace.name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ws = self.workspace
        credentials = Credentials.objects.in_workspace(ws)
        context["cards"] = [
            {
                "title": "Compute environments",
                "count": ComputeEnv.objects.in_workspace(ws).count(),
                "url": compute_envs_url(self.org.name, ws.name),
                "text": "AWS Batch environments that run your pipelines.",
            },
            {
                "title": "Credentials",
                "count": credentials.count(),
                "url": self.ws_url("workspaces:credentials_list"),
                "text": "AWS keys and roles the service uses to reach your account.",
            },
            {
                "title": "Labels",
                "count": Label.objects.in_workspace(ws).count(),
                "url": self.ws_url("workspaces:label_list"),
                "text": "Labels and resource labels (AWS tags).",
            },
            {
                "title": "Participants",
                "count": ws.participants.count(),
                "url": self.ws_url("workspaces:participant_list"),
                "text": "Who can do what in this workspace.",
            },
        ]
        context["needs_credentials"] = not credentials.exists()
        return context


class WorkspaceEditView(WorkspacePage, ObjectFormView):
    permission_action = "workspace:write"
    form_class = forms.WorkspaceForm
    section = "settings"
    page_title = "Workspace settings"
    success_message = "Workspace {object.name} saved."

    def get_object(self):
        return self.workspace

    def get_success_url(self):
        return reverse("workspaces:workspace_detail", kwargs={"org": self.org.name, "workspace": self.object.name})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.role == "owner":
            context["delete_url"] = self.ws_url("workspaces:workspace_delete")
        return context


class WorkspaceDeleteView(WorkspacePage, ObjectDeleteView):
    permission_action = "workspace:delete"
    section = "settings"
    page_title = "Delete workspace"
    consequences = (
        "Its credentials, labels and participants are deleted too. Delete its compute environments first "
        "so that the AWS resources they forged are disposed of."
    )
    confirm_by_name = True

    def get_object(self):
        return self.workspace

    def perform_delete(self, obj):
        services.delete_workspace(workspace=obj)

    def get_success_url(self):
        return reverse("workspaces:org_detail", kwargs={"org": self.org.name})

    def get_cancel_url(self):
        return self.ws_url("workspaces:workspace_edit")


# --------------------------------------------------------------------------- participants
class ParticipantListView(WorkspacePage, ObjectListView):
    model = Participant
    permission_action = "participant:read"
    table_class = tables.ParticipantTable
    filterset_class = filters.ParticipantFilterSet
    template_name = "workspaces/participant_list.html"
    section = "participants"
    page_title = "Participants"

    def get_queryset(self):
        return (
            super().get_queryset().select_related("user", "team", "workspace").prefetch_related("user__org_memberships")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["org_owners"] = OrgMembership.objects.filter(org=self.org, role=OrgRole.OWNER).select_related("user")
        context["role_help"] = forms.EFFECTIVE_ROLE_HELP
        if role_allows(self.role, "participant:write"):
            context["invitations"] = (
                Invitation.objects.filter(workspace=self.workspace, status=Invitation.Status.PENDING)
                .select_related("org", "workspace", "invited_by")
                .order_by("-date_created")[:100]
            )
        return context


class ParticipantMixin(WorkspacePage):
    model = Participant
    permission_action = "participant:write"
    section = "participants"

    def get_queryset(self):
        return super().get_queryset().select_related("user", "team", "workspace__org")

    def get_success_url(self):
        return self.ws_url("workspaces:participant_list")


class ParticipantAddView(ParticipantMixin, ObjectFormView):
    form_class = forms.ParticipantAddForm
    page_title = "Add a participant"
    submit_label = "Add participant"

    def get_success_message(self):
        if isinstance(self.object, Invitation):
            return f"Invitation sent to {self.object.email}: they take part as {self.object.role} when they accept it."
        return f"{self.object} added."


class ParticipantRoleView(ParticipantMixin, ObjectFormView):
    form_class = forms.ParticipantRoleForm
    success_message = "{object} saved."

    def get_page_title(self):
        return f"Role of {self.object.user or self.object.team}"


class ParticipantRemoveView(ParticipantMixin, ObjectDeleteView):
    page_title = "Remove participant"
    success_message = "Removed {object} from the workspace."
    consequences = "They keep their organization membership; they lose this workspace's direct role."

    def perform_delete(self, obj):
        services.remove_participant(participant=obj, actor=self.request.user)


# --------------------------------------------------------------------------- credentials
@method_decorator(never_cache, name="dispatch")
class CredentialsPage(WorkspacePage):
    """Credential pages are never cached (they concern a secret, though they never show it)."""

    model = Credentials
    section = "credentials"
    permission_action = "credentials:read"

    def get_success_url(self):
        return self.ws_url("workspaces:credentials_detail", pk=self.object.pk)


class CredentialsListView(CredentialsPage, ObjectListView):
    table_class = tables.CredentialsTable
    filterset_class = filters.CredentialsFilterSet
    template_name = "credentials/credentials_list.html"
    page_title = "Credentials"


def trust_policy(creds: Credentials) -> str:
    principal = f"arn:aws:iam::{creds.account_id or '<ACCOUNT-ID-OF-THE-ACCESS-KEYS>'}:root"
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": creds.external_id}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


class CredentialsLiveMixin(LiveStatusMixin):
    """The validation block's context: it polls until the first validation, or a requested one, reports."""

    live_moment_field = "last_validated"

    def is_pending(self, obj) -> bool:
        return not obj.status

    def live_status_url(self) -> str:
        return self.ws_url("workspaces:credentials_status", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        creds = self.object
        context.update(self.live_context(), trust_policy=trust_policy(creds) if creds.assume_role_arn else "")
        return context


class CredentialsDetailView(CredentialsLiveMixin, CredentialsPage, PageMixin, DetailView):
    template_name = "credentials/credentials_detail.html"
    context_object_name = "credentials"

    def get_page_title(self):
        return f"Credentials {self.object.name}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["used_by"] = services.credentials_users(self.object)
        return context


class CredentialsStatusView(CredentialsLiveMixin, CredentialsPage, DetailView):
    """The validation block (status, AWS's answer, account id, last validated) and, out of band, the
    trust policy that names the account; htmx polls it while a validation has not reported."""

    template_name = "credentials/cells/status_live.html"
    context_object_name = "credentials"
    extra_context = {"oob": True}


class CredentialsCreateView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsCreateForm
    template_name = "credentials/credentials_form.html"
    page_title = "New AWS credentials"
    submit_label = "Save credentials"
    success_message = "Credentials {object} saved. Validation against AWS is queued."
    success_message_tags = PENDING_NOTICE

    def get_cancel_url(self):
        return self.ws_url("workspaces:credentials_list")


class CredentialsEditView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsEditForm
    template_name = "credentials/credentials_form.html"
    success_message = "Credentials {object} saved."

    def get_page_title(self):
        return f"Edit credentials {self.object.name}"


class CredentialsSecretView(CredentialsPage, ObjectFormView):
    permission_action = "credentials:write"
    form_class = forms.CredentialsSecretForm
    template_name = "credentials/credentials_form.html"
    submit_label = "Replace key pair"
    success_message = "Key pair of {object} replaced. Validation against AWS is queued."
    success_message_tags = PENDING_NOTICE

    def get_page_title(self):
        return f"Replace the key pair of {self.object.name}"


class CredentialsValidateView(CredentialsPage, ObjectMixin, View):
    permission_action = "credentials:write"

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        services.request_credentials_validation(credentials=self.object)
        messages.info(
            request,
            f"Validation of {self.object.name} queued: the status updates in a few seconds.",
            extra_tags=PENDING_NOTICE,
        )
        return redirect(f"{self.get_success_url()}?validating={stamp(self.object.last_validated)}")


class CredentialsDeleteView(CredentialsPage, ObjectDeleteView):
    permission_action = "credentials:delete"
    page_title = "Delete credentials"
    consequences = "The encrypted secret is erased. Nothing in AWS is changed."

    def perform_delete(self, obj):
        services.delete_credentials(credentials=obj)

    def blockers(self):
        users = services.credentials_users(self.object)
        if not users:
            return []
        names = ", ".join(sorted(f"{user._meta.verbose_name} {user}" for user in users))
        return [f"In use by {names}: give them other credentials or delete them first."]

    def get_success_url(self):
        return self.ws_url("workspaces:credentials_list")

    def get_cancel_url(self):
        return self.ws_url("workspaces:credentials_detail", pk=self.object.pk)


# --------------------------------------------------------------------------- labels
class LabelPage(WorkspacePage):
    model = Label
    section = "labels"
    permission_action = "label:read"

    def get_success_url(self):
        return self.ws_url("workspaces:label_list")


class LabelListView(LabelPage, ObjectListView):
    table_class = tables.LabelTable
    filterset_class = filters.LabelFilterSet
    template_name = "labels/label_list.html"
    page_title = "Labels"


class LabelCreateView(LabelPage, ObjectFormView):
    permission_action = "label:write"
    form_class = forms.LabelForm
    template_name = "labels/label_form.html"
    page_title = "New label"
    submit_label = "Create label"
    success_message = "Label {object} created."


class LabelEditView(LabelPage, ObjectFormView):
    permission_action = "label:write"
    form_class = forms.LabelForm
    template_name = "labels/label_form.html"
    success_message = "Label {object} saved."

    def get_page_title(self):
        return f"Edit label {self.object}"


class LabelDeleteView(LabelPage, ObjectDeleteView):
    permission_action = "label:delete"
    page_title = "Delete label"
    consequences = "Compute environments that already carry it as an AWS tag keep the tag."

    def perform_delete(self, obj):
        services.delete_label(label=obj)
