from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "workspaces"
    verbose_name = "Organizations and workspaces"

    def ready(self):
        from workspaces import (
            checks,  # noqa: F401  (registers system checks)
            crypto,
        )

        self.register_audit()
        crypto.register_encrypted("workspaces.Credentials", "secret_encrypted", noun="credentials")
        self.register_sections()

    @staticmethod
    def register_sections():
        from workspaces.models import Credentials, Label, Participant
        from workspaces.sections import WorkspaceSection, register

        for order, (key, title, url_name, text, model) in enumerate(
            (
                ("credentials", "Credentials", "workspaces:credentials_list",
                 "AWS keys and roles the service uses to reach your account.", Credentials),
                ("labels", "Labels", "workspaces:label_list", "Labels and resource labels (AWS tags).", Label),
                ("participants", "Participants", "workspaces:participant_list", "Who can do what in this workspace.",
                 Participant),
            ),
            start=2,
        ):  # fmt: skip
            register(
                WorkspaceSection(
                    key=key,
                    title=title,
                    url_name=url_name,
                    text=text,
                    count=lambda ws, model=model: model.objects.in_workspace(ws).count(),
                    order=order * 10,
                )
            )

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
