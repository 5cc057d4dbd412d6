"""Workspace pages: create, overview (the sections the apps registered), settings, delete."""

from django.urls import reverse
from django.views.generic import TemplateView

from seqera.views.generic import (
    ObjectDeleteView,
    ObjectFormView,
    PageMixin,
)
from workspaces import forms, services
from workspaces.models import Credentials
from workspaces.permissions import OrgRole
from workspaces.sections import sections
from workspaces.tenancy import OrgPage, WorkspacePage


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
            {"title": section.title, "count": section.count(ws), "url": section.url(ws), "text": section.text}
            for section in sections()
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
