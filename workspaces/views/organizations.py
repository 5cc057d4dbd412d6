"""Organization pages: create, settings, delete, members."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import SingleTableMixin

from seqera.views.generic import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectListView,
    PageMixin,
)
from workspaces import filters, forms, services, tables
from workspaces.models import Invitation, OrgMembership, Workspace
from workspaces.permissions import OrgRole
from workspaces.tenancy import OrgPage


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
        return (
            Workspace.objects.restrict(self.request.user, "workspace:read").filter(org=self.org).select_related("org")
        )


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
                .select_related("org", "team", "workspace__org", "invited_by")
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
