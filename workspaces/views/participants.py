"""Workspace participant pages: list, add, change role, remove."""

from seqera.views.generic import (
    ObjectDeleteView,
    ObjectFormView,
    ObjectListView,
)
from workspaces import filters, forms, services, tables
from workspaces.models import Invitation, OrgMembership, Participant
from workspaces.permissions import OrgRole, role_allows
from workspaces.tenancy import WorkspacePage


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
                .select_related("org", "workspace__org", "invited_by")
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
