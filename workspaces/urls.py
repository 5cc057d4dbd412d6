"""Organization and workspace pages, namespaced ``workspaces:``. Site-wide routes (home, sign-in,
profile, e-mailed links) are un-namespaced in `workspaces.account_urls`: Django's auth settings,
log lines and metric labels name them."""

from django.urls import include, path

from workspaces.audit import views as audit_views
from workspaces.views import credentials, invitations, labels, organizations, participants, teams
from workspaces.views import workspaces as workspace_views

WS = "orgs/<str:org>/workspaces/<str:workspace>/"

app_name = "workspaces"

org_patterns = [
    path("", organizations.OrgDetailView.as_view(), name="org_detail"),
    path("edit/", organizations.OrgEditView.as_view(), name="org_edit"),
    path("delete/", organizations.OrgDeleteView.as_view(), name="org_delete"),
    path("members/", organizations.MemberListView.as_view(), name="org_members"),
    path("members/add/", organizations.MemberAddView.as_view(), name="org_member_add"),
    path("members/<int:pk>/role/", organizations.MemberRoleView.as_view(), name="org_member_role"),
    path("members/<int:pk>/remove/", organizations.MemberRemoveView.as_view(), name="org_member_remove"),
    path(
        "invitations/<int:pk>/revoke/",
        invitations.OrgInvitationRevokeView.as_view(),
        name="org_invitation_revoke",
    ),
    path(
        "invitations/<int:pk>/resend/",
        invitations.OrgInvitationResendView.as_view(),
        name="org_invitation_resend",
    ),
    path("teams/", teams.TeamListView.as_view(), name="org_teams"),
    path("teams/new/", teams.TeamCreateView.as_view(), name="team_create"),
    path("teams/<str:team>/", teams.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<str:team>/edit/", teams.TeamEditView.as_view(), name="team_edit"),
    path("teams/<str:team>/delete/", teams.TeamDeleteView.as_view(), name="team_delete"),
    path("teams/<str:team>/members/add/", teams.TeamMemberAddView.as_view(), name="team_member_add"),
    path(
        "teams/<str:team>/members/<int:user_id>/remove/",
        teams.TeamMemberRemoveView.as_view(),
        name="team_member_remove",
    ),
    path("workspaces/new/", workspace_views.WorkspaceCreateView.as_view(), name="workspace_create"),
    path("audit/", audit_views.OrgAuditView.as_view(), name="org_audit"),
    path("audit/export.csv", audit_views.OrgAuditExportView.as_view(), name="org_audit_export"),
]

workspace_patterns = [
    path("", workspace_views.WorkspaceDetailView.as_view(), name="workspace_detail"),
    path("settings/", workspace_views.WorkspaceEditView.as_view(), name="workspace_edit"),
    path("delete/", workspace_views.WorkspaceDeleteView.as_view(), name="workspace_delete"),
    path("participants/", participants.ParticipantListView.as_view(), name="participant_list"),
    path("participants/add/", participants.ParticipantAddView.as_view(), name="participant_add"),
    path("participants/<int:pk>/role/", participants.ParticipantRoleView.as_view(), name="participant_role"),
    path("participants/<int:pk>/remove/", participants.ParticipantRemoveView.as_view(), name="participant_remove"),
    path(
        "invitations/<int:pk>/revoke/",
        invitations.WorkspaceInvitationRevokeView.as_view(),
        name="workspace_invitation_revoke",
    ),
    path(
        "invitations/<int:pk>/resend/",
        invitations.WorkspaceInvitationResendView.as_view(),
        name="workspace_invitation_resend",
    ),
    path("credentials/", credentials.CredentialsListView.as_view(), name="credentials_list"),
    path("credentials/new/", credentials.CredentialsCreateView.as_view(), name="credentials_create"),
    path("credentials/<str:pk>/", credentials.CredentialsDetailView.as_view(), name="credentials_detail"),
    path("credentials/<str:pk>/status/", credentials.CredentialsStatusView.as_view(), name="credentials_status"),
    path("credentials/<str:pk>/edit/", credentials.CredentialsEditView.as_view(), name="credentials_edit"),
    path("credentials/<str:pk>/secret/", credentials.CredentialsSecretView.as_view(), name="credentials_secret"),
    path("credentials/<str:pk>/validate/", credentials.CredentialsValidateView.as_view(), name="credentials_validate"),
    path("credentials/<str:pk>/delete/", credentials.CredentialsDeleteView.as_view(), name="credentials_delete"),
    path("labels/", labels.LabelListView.as_view(), name="label_list"),
    path("labels/new/", labels.LabelCreateView.as_view(), name="label_create"),
    path("labels/<int:pk>/edit/", labels.LabelEditView.as_view(), name="label_edit"),
    path("labels/<int:pk>/delete/", labels.LabelDeleteView.as_view(), name="label_delete"),
    path("audit/", audit_views.WorkspaceAuditView.as_view(), name="workspace_audit"),
    path("audit/export.csv", audit_views.WorkspaceAuditExportView.as_view(), name="workspace_audit_export"),
]

urlpatterns = [
    path("orgs/new/", organizations.OrgCreateView.as_view(), name="org_create"),
    path("orgs/<str:org>/", include(org_patterns)),
    path(WS, include(workspace_patterns)),
]
