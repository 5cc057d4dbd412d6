"""Team pages of an organization: list, detail, create, edit, delete, members."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from seqera.views.generic import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectMixin,
    PageMixin,
)
from workspaces import forms, services, tables
from workspaces.models import Invitation, Team
from workspaces.permissions import OrgRole
from workspaces.tenancy import OrgPage


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
