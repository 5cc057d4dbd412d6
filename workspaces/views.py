"""Browser pages. Views declare model, form, table, filterset and permission action; the base
classes here and in `seqera.tenancy` bring scoping (404 outside, 403 below the role), and every
write goes through a form's `save()`, i.e. through `workspaces.services`."""

import json

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from computeenvs.models import ComputeEnv
from seqera.tenancy import OrganizationMixin, WorkspaceMixin
from workspaces import filters, forms, services, tables
from workspaces.models import ApiToken, Credentials, Invitation, Label, OrgMembership, Participant, Team, Workspace
from workspaces.permissions import OrgRole, role_allows


# --------------------------------------------------------------------------- generic building blocks
class PageMixin:
    """Context every page template uses: `layout` to extend, `section` for the navigation."""

    layout = "layouts/page.html"
    section = ""
    page_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("layout", self.layout)
        context.setdefault("section", self.section)
        context.setdefault("page_title", self.get_page_title())
        return context

    def get_page_title(self) -> str:
        return self.page_title


class ObjectMixin:
    """`self.object` from the (already scoped) queryset and the URL's `pk`, or None on create."""

    lookup_url_kwarg = "pk"
    lookup_field = "pk"

    def get_object(self):
        if self.lookup_url_kwarg not in self.kwargs:
            return None
        return get_object_or_404(self.get_queryset(), **{self.lookup_field: self.kwargs[self.lookup_url_kwarg]})

    def dispatch_object(self):
        self.object = self.get_object()

    def get(self, request, *args, **kwargs):
        self.dispatch_object()  # an unknown object is 404 before any method check
        handler = getattr(super(), "get", None)
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return handler(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.dispatch_object()  # an unknown object is 404 before any method check
        handler = getattr(super(), "post", None)
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return handler(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("object", self.object)
        return context


# A notice about queued work ("Validation … is queued"): the page removes it as soon as a live status
# block reports the work done (static/js/app.js), so it never sits beside the final status.
PENDING_NOTICE = "pending"


class ObjectFormView(PageMixin, ObjectMixin, FormView):
    """Create (no `pk` in the URL) or edit a scoped object through a `ServiceForm`."""

    template_name = "generic/object_form.html"
    submit_label = "Save"
    success_message = "Saved."
    success_message_tags = ""  # PENDING_NOTICE: the page clears it once the work it announces is done

    def form_context(self) -> dict:
        return {
            "user": self.request.user,
            "org": getattr(self, "org", None),
            "workspace": getattr(self, "workspace", None),
            "base_url": self.request.build_absolute_uri("/").rstrip("/"),
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.object, context=self.form_context())
        return kwargs

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = form.save()
        except ValidationError as exc:
            form.add_service_errors(exc)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(), extra_tags=self.success_message_tags)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return self.success_message.format(object=self.object)

    def get_cancel_url(self) -> str:
        try:
            return self.get_success_url()
        except AttributeError:  # a success URL that needs the object not created yet
            return reverse("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(submit_label=self.submit_label, cancel_url=self.get_cancel_url())
        return context


class ObjectDeleteView(PageMixin, ObjectMixin, TemplateView):
    """GET asks for confirmation, POST deletes through `perform_delete`; a refusal (the service
    raises ValidationError) is shown as a message on the page the user came from.

    What would refuse the delete (`blockers()`) is said on the confirmation page, whose button is
    then off; with `confirm_by_name` the user types the object's name (`confirmation_name()`) and a
    POST without it deletes nothing."""

    template_name = "generic/object_confirm_delete.html"
    success_message = "Deleted {object}."
    consequences = ""
    confirm_by_name = False

    def perform_delete(self, obj):
        raise NotImplementedError

    def blockers(self) -> list[str]:
        return []

    def must_confirm_by_name(self) -> bool:
        return self.confirm_by_name

    def confirmation_name(self) -> str:
        return getattr(self.object, "name", str(self.object))

    def post(self, request, *args, **kwargs):
        self.dispatch_object()
        label = str(self.object)
        if self.must_confirm_by_name() and request.POST.get("confirm_name", "").strip() != self.confirmation_name():
            messages.error(request, f"Type {self.confirmation_name()} to confirm the delete; nothing was deleted.")
            return redirect(request.get_full_path())
        try:
            with transaction.atomic():
                self.perform_delete(self.object)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(self.get_cancel_url())
        messages.success(request, self.success_message.format(object=label))
        return redirect(self.get_success_url())

    def get_cancel_url(self) -> str:
        return self.get_success_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            cancel_url=self.get_cancel_url(),
            consequences=self.consequences,
            object_type=self.object._meta.verbose_name,
            blockers=self.blockers(),
            confirm_name=self.confirmation_name() if self.must_confirm_by_name() else "",
        )
        return context


class ObjectListView(PageMixin, SingleTableMixin, FilterView):
    """A django-tables2 table (25 rows a page) over the scoped queryset, filtered by an explicit
    `filterset_class` (never an auto-generated one: its choice fields would list other tenants)."""

    template_name = "generic/object_list.html"
    table_pagination = {"per_page": 25}
    filterset_class = None

    def get_filterset_class(self):
        if self.filterset_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no filterset_class")
        return self.filterset_class


class WorkspacePage(WorkspaceMixin):
    """Pages inside a workspace: layout, navigation section and URL helpers."""

    layout = "layouts/workspace.html"

    @property
    def ws_kwargs(self) -> dict:
        return {"org": self.org.name, "workspace": self.workspace.name}

    def ws_url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={**self.ws_kwargs, **kwargs})


class OrgPage(OrganizationMixin):
    layout = "layouts/org.html"

    def org_url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"org": self.org.name, **kwargs})


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
        return reverse("org_detail", kwargs={"org": self.object.name})

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
        return reverse("org_detail", kwargs={"org": self.object.name})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delete_url"] = self.org_url("org_delete")
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
        return self.org_url("org_edit")


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
        return self.org_url("org_members")


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
        return self.org_url("team_detail", team=self.object.name)


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
        return self.org_url("org_teams")


class TeamEditView(TeamMixin, ObjectFormView):
    form_class = forms.TeamForm
    success_message = "Team {object} saved."

    def get_page_title(self):
        return f"Edit team {self.object.name}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["delete_url"] = self.org_url("team_delete", team=self.object.name)
        return context


class TeamDeleteView(TeamMixin, ObjectDeleteView):
    page_title = "Delete team"
    consequences = "Its members stay in the organization but lose the roles the team gave them in workspaces."

    def perform_delete(self, obj):
        services.delete_team(team=obj, actor=self.request.user)

    def get_success_url(self):
        return self.org_url("org_teams")

    def get_cancel_url(self):
        return self.org_url("team_detail", team=self.object.name)


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
        return self.org_url("team_detail", team=self.team.name)

    get_cancel_url = get_success_url


class TeamMemberRemoveView(TeamMixin, ObjectDeleteView):
    page_title = "Remove team member"

    def dispatch_object(self):
        self.team = self.get_object()
        self.object = get_object_or_404(self.team.members.all(), pk=self.kwargs["user_id"])

    def perform_delete(self, obj):
        services.remove_team_member(team=self.team, user=obj, actor=self.request.user)

    def get_success_url(self):
        return self.org_url("team_detail", team=self.team.name)

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
        return reverse("workspace_detail", kwargs={"org": self.org.name, "workspace": self.object.name})

    def get_cancel_url(self):
        return self.org_url("org_detail")


def compute_envs_url(org: str, workspace: str) -> str:
    try:
        return reverse("computeenvs:list", kwargs={"org": org, "workspace": workspace})
    except NoReverseMatch:
        return reverse("workspace_detail", kwargs={"org": org, "workspace": workspace}) + "compute-envs/"


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
                "url": self.ws_url("credentials_list"),
                "text": "AWS keys and roles the service uses to reach your account.",
            },
            {
                "title": "Labels",
                "count": Label.objects.in_workspace(ws).count(),
                "url": self.ws_url("label_list"),
                "text": "Labels and resource labels (AWS tags).",
            },
            {
                "title": "Participants",
                "count": ws.participants.count(),
                "url": self.ws_url("participant_list"),
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
        return reverse("workspace_detail", kwargs={"org": self.org.name, "workspace": self.object.name})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.role == "owner":
            context["delete_url"] = self.ws_url("workspace_delete")
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
        return reverse("org_detail", kwargs={"org": self.org.name})

    def get_cancel_url(self):
        return self.ws_url("workspace_edit")


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
        return self.ws_url("participant_list")


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
        return self.ws_url("credentials_detail", pk=self.object.pk)


class CredentialsListView(CredentialsPage, ObjectListView):
    table_class = tables.CredentialsTable
    filterset_class = filters.CredentialsFilterSet
    template_name = "credentials/credentials_list.html"
    page_title = "Credentials"


def stamp(moment) -> int:
    """A timestamp in microseconds (0 for never), carried in ``?validating=`` to see a result arrive."""
    return int(moment.timestamp() * 1_000_000) if moment else 0


POLL_FIRST_SECONDS, POLL_FACTOR, POLL_MAX_SECONDS = 2, 1.5, 30
POLL_HEADER = "X-Background-Poll"  # sent by live blocks; such requests never extend the session


def next_poll(request, url: str) -> tuple[str, int]:
    """A live block's next poll: its URL (the attempt counted in ``?poll=``) and its delay in
    seconds, 2 s growing ×1.5 per attempt up to 30 s, so a long wait costs few requests."""
    raw = request.GET.get("poll", "")
    attempt = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 3 else 0
    delay = min(POLL_MAX_SECONDS, round(POLL_FIRST_SECONDS * POLL_FACTOR**attempt))
    return f"{url}{'&' if '?' in url else '?'}poll={attempt + 1}", delay


def awaiting(request, moment) -> str:
    """The ``?validating=`` value while the result of a requested validation has not arrived, else ''."""
    since = request.GET.get("validating", "")
    # isdecimal() alone accepts other scripts' digits; ASCII digits only, so int() cannot fail.
    valid = since.isascii() and since.isdecimal() and len(since) <= 20
    return since if valid and stamp(moment) <= int(since) else ""


def trust_policy(creds: Credentials) -> str:
    principal = f"arn:aws:iam::{creds.account_id or '<ACCOUNT-ID-OF-THE-ACCESS-KEYS>'}:root"
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": creds.external_id}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


class CredentialsLiveMixin:
    """The validation block's context: it polls until the first validation, or a requested one, reports."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        creds = self.object
        since = awaiting(self.request, creds.last_validated)
        status_url, poll_delay = next_poll(
            self.request, self.ws_url("credentials_status", pk=creds.pk) + (f"?validating={since}" if since else "")
        )
        context.update(
            polling=not creds.status or bool(since),
            status_url=status_url,
            poll_delay=poll_delay,
            trust_policy=trust_policy(creds) if creds.assume_role_arn else "",
        )
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
        return self.ws_url("credentials_list")


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
        return self.ws_url("credentials_list")

    def get_cancel_url(self):
        return self.ws_url("credentials_detail", pk=self.object.pk)


# --------------------------------------------------------------------------- labels
class LabelPage(WorkspacePage):
    model = Label
    section = "labels"
    permission_action = "label:read"

    def get_success_url(self):
        return self.ws_url("label_list")


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
