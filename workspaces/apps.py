from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Organizations and workspaces"

    def ready(self):
        from workspaces import checks  # noqa: F401  (registers system checks)

        self.register_audit()

    @staticmethod
    def register_audit():
        from django.contrib.auth import get_user_model

        from workspaces import audit
        from workspaces.models import (
            ApiToken,
            Credentials,
            Invitation,
            Label,
            Organization,
            OrgMembership,
            Participant,
            Team,
            VerifiedEmail,
            Workspace,
        )

        audit.register(Organization)
        audit.register(OrgMembership)
        audit.register(Team, m2m=["members"])
        audit.register(Workspace)
        audit.register(Participant)
        audit.register(Credentials, secret=["secret_encrypted"], ignore=["last_validated"])
        audit.register(Label)
        audit.register(ApiToken, secret=["token_hash"])
        # Recorded on the organization (and workspace) it concerns; the link's token is never stored,
        # its hash is a secret all the same (it would let a reader of the trail match a leaked link).
        audit.register(Invitation, secret=["token_hash"])
        audit.register(VerifiedEmail)
        audit.register(get_user_model(), secret=["password"])
        audit.connect_auth()
