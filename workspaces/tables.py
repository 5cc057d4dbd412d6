"""List tables (django-tables2). Row actions are templates that ask the permission map."""

import django_tables2 as tables
from django.contrib.auth import get_user_model

from seqera.tables import BaseTable, actions
from workspaces.models import ApiToken, Credentials, Label, OrgMembership, Participant, Team, Workspace
from workspaces.templatetags.workspace_tags import status_badge


class WorkspaceTable(BaseTable):
    name = tables.TemplateColumn(template_name="workspaces/cells/workspace_name.html", order_by="name")
    full_name = tables.Column(verbose_name="Full name")
    visibility = tables.Column()
    date_created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d")

    class Meta(BaseTable.Meta):
        model = Workspace
        fields = ("name", "full_name", "visibility", "date_created")
        empty_text = "No workspaces you can open here yet."


class MemberTable(BaseTable):
    user = tables.Column(verbose_name="User", accessor="user__username")
    email = tables.Column(verbose_name="E-mail", accessor="user__email")
    role = tables.Column()
    date_created = tables.DateTimeColumn(verbose_name="Member since", format="Y-m-d")
    actions = actions("workspaces/cells/member_actions.html")

    class Meta(BaseTable.Meta):
        model = OrgMembership
        fields = ("user", "email", "role", "date_created")


class TeamTable(BaseTable):
    name = tables.TemplateColumn(template_name="workspaces/cells/team_name.html", order_by="name")
    description = tables.Column()
    member_count = tables.Column(verbose_name="Members")

    class Meta(BaseTable.Meta):
        model = Team
        fields = ("name", "description")
        empty_text = "No teams yet."


class TeamMemberTable(BaseTable):
    username = tables.Column(verbose_name="User")
    email = tables.Column(verbose_name="E-mail")
    actions = actions("workspaces/cells/team_member_actions.html")

    class Meta(BaseTable.Meta):
        model = get_user_model()
        fields = ("username", "email")
        empty_text = "This team has no members yet."


class ParticipantTable(BaseTable):
    name = tables.Column(verbose_name="Name", empty_values=(), orderable=False)
    type = tables.Column(verbose_name="Type", empty_values=(), orderable=False)
    role = tables.Column()
    actions = actions("workspaces/cells/participant_actions.html")

    class Meta(BaseTable.Meta):
        model = Participant
        fields = ("name", "type", "role")
        empty_text = "No participants yet: organization owners own every workspace of the organization."

    def render_type(self, record):
        return Participant.Type(record.type).label

    def render_name(self, record):
        if record.team_id:
            return f"Team {record.team.name}"
        user = record.user
        return f"{user.username} <{user.email}>" if user.email else user.username


class CredentialsTable(BaseTable):
    name = tables.TemplateColumn(template_name="credentials/cells/name.html", order_by="name")
    access_key = tables.Column(verbose_name="Access key id")
    assume_role_arn = tables.Column(verbose_name="Role ARN")
    status = tables.Column(empty_values=())  # an empty status renders too: "NOT VALIDATED"
    account_id = tables.Column(verbose_name="Account")
    last_validated = tables.DateTimeColumn(verbose_name="Last validated", format="Y-m-d H:i")
    actions = actions("credentials/cells/actions.html")

    class Meta(BaseTable.Meta):
        model = Credentials
        fields = ("name", "access_key", "assume_role_arn", "status", "account_id", "last_validated")
        empty_text = "No credentials yet. Add AWS keys so compute environments can reach your account."

    def render_status(self, record, value):
        return status_badge(record.effective_status, record.effective_message or "Not yet validated against AWS")


class LabelTable(BaseTable):
    name = tables.Column(verbose_name="Key")
    value = tables.Column()
    resource = tables.BooleanColumn(verbose_name="Resource label")
    is_default = tables.BooleanColumn(verbose_name="Default")
    date_created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d")
    actions = actions("labels/cells/actions.html")

    class Meta(BaseTable.Meta):
        model = Label
        fields = ("name", "value", "resource", "is_default", "date_created")
        empty_text = "No labels match."


class ApiTokenTable(BaseTable):
    name = tables.Column()
    date_created = tables.DateTimeColumn(verbose_name="Created", format="Y-m-d H:i")
    last_used = tables.DateTimeColumn(verbose_name="Last used", format="Y-m-d H:i", default="never")
    expires_at = tables.Column(verbose_name="Expires", empty_values=())
    actions = actions("registration/cells/token_actions.html")

    class Meta(BaseTable.Meta):
        model = ApiToken
        fields = ("name", "date_created", "last_used", "expires_at")
        empty_text = "No tokens yet."

    def render_expires_at(self, record):
        if record.expires_at is None:
            return "never"
        stamp = record.expires_at.strftime("%Y-%m-%d %H:%M")
        return f"expired {stamp}" if record.is_expired else stamp
