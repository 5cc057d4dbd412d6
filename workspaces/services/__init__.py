"""Writes that are workflows: keyword-only, typed, validating before they save.

Pages, the API, the admin and management commands call these; none of them saves these models
directly. Every function raises `django.core.exceptions.ValidationError` with field-keyed
messages on bad input, which forms and the API turn into per-field errors.

One module per area (organizations, teams, workspaces and participants, credentials, labels,
tokens, invitations, e-mail addresses, role checks); callers use this package's names.
"""

from seqera.exceptions import NotAllowed  # what the role checks raise
from workspaces.services._common import ACCESS_KEY_PATTERN, VALIDATION_PENDING, User
from workspaces.services.credentials import (
    CredentialsInUse,
    change_credentials,
    create_credentials,
    credentials_name_taken,
    credentials_validation_gave_up,
    delete_credentials,
    replace_secret,
    request_credentials_validation,
    update_credentials,
    validate_credentials,
)
from workspaces.services.emails import (
    EMAIL_LINK_MAX_AGE,
    EMAIL_LINK_SALT,
    is_email_verified,
    normalize_email,
    request_email_verification,
    user_with_verified_email,
    verify_email,
)
from workspaces.services.invitations import (
    INVITATION_GONE,
    accept_invitation,
    accept_invitation_with_new_account,
    invitation_needs_account,
    invitation_subject,
    pending_invitation,
    resend_invitation,
    revoke_invitation,
    suggested_username,
)
from workspaces.services.labels import create_label, delete_label, ensure_label, update_label
from workspaces.services.organizations import (
    add_org_member,
    change_org_member_role,
    create_organization,
    delete_organization,
    remove_org_member,
    update_organization,
)
from workspaces.services.roles import grantable_org_roles, grantable_workspace_roles
from workspaces.services.teams import add_team_member, create_team, delete_team, remove_team_member, update_team
from workspaces.services.tokens import create_api_token, revoke_all_api_tokens, revoke_api_token
from workspaces.services.workspaces import (
    add_participant,
    change_participant_role,
    create_workspace,
    delete_workspace,
    remove_participant,
    update_workspace,
)

__all__ = [
    "NotAllowed",
    "ACCESS_KEY_PATTERN",
    "CredentialsInUse",
    "EMAIL_LINK_MAX_AGE",
    "EMAIL_LINK_SALT",
    "INVITATION_GONE",
    "User",
    "VALIDATION_PENDING",
    "accept_invitation",
    "accept_invitation_with_new_account",
    "add_org_member",
    "add_participant",
    "add_team_member",
    "change_credentials",
    "change_org_member_role",
    "change_participant_role",
    "create_api_token",
    "create_credentials",
    "create_label",
    "create_organization",
    "create_team",
    "create_workspace",
    "credentials_name_taken",
    "credentials_validation_gave_up",
    "delete_credentials",
    "delete_label",
    "delete_organization",
    "delete_team",
    "delete_workspace",
    "ensure_label",
    "grantable_org_roles",
    "grantable_workspace_roles",
    "invitation_needs_account",
    "invitation_subject",
    "is_email_verified",
    "normalize_email",
    "pending_invitation",
    "remove_org_member",
    "remove_participant",
    "remove_team_member",
    "replace_secret",
    "request_credentials_validation",
    "request_email_verification",
    "resend_invitation",
    "revoke_all_api_tokens",
    "revoke_api_token",
    "revoke_invitation",
    "suggested_username",
    "update_credentials",
    "update_label",
    "update_organization",
    "update_team",
    "update_workspace",
    "user_with_verified_email",
    "validate_credentials",
    "verify_email",
]
