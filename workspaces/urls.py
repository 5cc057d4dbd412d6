"""Organization and workspace pages, namespaced ``workspaces:``. Site-wide routes (home, sign-in,
profile, e-mailed links) are un-namespaced in `workspaces.account_urls`: Django's auth settings,
log lines and metric labels name them."""

from django.urls import include, path

from workspaces import views, views_invitations
from workspaces.audit import views as audit_views

WS = "orgs/<str:org>/workspaces/<str:workspace>/"

app_name = "workspaces"

org_patterns = [
    path("", views.OrgDetailView.as_view(), name="org_detail"),
    path("edit/", views.OrgEditView.as_view(), name="org_edit"),
    path("delete/", views.OrgDeleteView.as_view(), name="org_delete"),
    path("members/", views.MemberListView.as_view(), name="org_members"),
    path("members/add/", views.MemberAddView.as_view(), name="org_member_add"),
    path("members/<int:pk>/role/", views.MemberRoleView.as_view(), name="org_member_role"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="org_member_remove"),
    path(
        "invitations/<int:pk>/revoke/",
        views_invitations.OrgInvitationRevokeView.as_view(),
        name="org_invitation_revoke",
    ),
    path(
        "invitations/<int:pk>/resend/",
        views_invitations.OrgInvitationResendView.as_view(),
        name="org_invitation_resend",
    ),
    path("teams/", views.TeamListView.as_view(), name="org_teams"),
    path("teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<str:team>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<str:team>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("teams/<str:team>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
    path("teams/<str:team>/members/add/", views.TeamMemberAddView.as_view(), name="team_member_add"),
    path(
        "teams/<str:team>/members/<int:user_id>/remove/",
        views.TeamMemberRemoveView.as_view(),
        name="team_member_remove",
    ),
    path("workspaces/new/", views.WorkspaceCreateView.as_view(), name="workspace_create"),
    path("audit/", audit_views.OrgAuditView.as_view(), name="org_audit"),
    path("audit/export.csv", audit_views.OrgAuditExportView.as_view(), name="org_audit_export"),
]

workspace_patterns = [
    path("", views.WorkspaceDetailView.as_view(), name="workspace_detail"),
    path("settings/", views.WorkspaceEditView.as_view(), name="workspace_edit"),
    path("delete/", views.WorkspaceDeleteView.as_view(), name="workspace_delete"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/add/", views.ParticipantAddView.as_view(), name="participant_add"),
    path("participants/<int:pk>/role/", views.ParticipantRoleView.as_view(), name="participant_role"),
    path("participants/<int:pk>/remove/", views.ParticipantRemoveView.as_view(), name="participant_remove"),
    path(
        "invitations/<int:pk>/revoke/",
        views_invitations.WorkspaceInvitationRevokeView.as_view(),
        name="workspace_invitation_revoke",
    ),
    path(
        "invitations/<int:pk>/resend/",
        views_invitations.WorkspaceInvitationResendView.as_view(),
        name="workspace_invitation_resend",
    ),
    path("credentials/", views.CredentialsListView.as_view(), name="credentials_list"),
    path("credentials/new/", views.CredentialsCreateView.as_view(), name="credentials_create"),
    path("credentials/<str:pk>/", views.CredentialsDetailView.as_view(), name="credentials_detail"),
    path("credentials/<str:pk>/status/", views.CredentialsStatusView.as_view(), name="credentials_status"),
    path("credentials/<str:pk>/edit/", views.CredentialsEditView.as_view(), name="credentials_edit"),
    path("credentials/<str:pk>/secret/", views.CredentialsSecretView.as_view(), name="credentials_secret"),
    path("credentials/<str:pk>/validate/", views.CredentialsValidateView.as_view(), name="credentials_validate"),
    path("credentials/<str:pk>/delete/", views.CredentialsDeleteView.as_view(), name="credentials_delete"),
    path("labels/", views.LabelListView.as_view(), name="label_list"),
    path("labels/new/", views.LabelCreateView.as_view(), name="label_create"),
    path("labels/<int:pk>/edit/", views.LabelEditView.as_view(), name="label_edit"),
    path("labels/<int:pk>/delete/", views.LabelDeleteView.as_view(), name="label_delete"),
    path("audit/", audit_views.WorkspaceAuditView.as_view(), name="workspace_audit"),
    path("audit/export.csv", audit_views.WorkspaceAuditExportView.as_view(), name="workspace_audit_export"),
]

urlpatterns = [
    path("orgs/new/", views.OrgCreateView.as_view(), name="org_create"),
    path("orgs/<str:org>/", include(org_patterns)),
    path(WS, include(workspace_patterns)),
]
