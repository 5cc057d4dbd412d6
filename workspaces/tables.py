"""List tables (django-tables2). Row actions are templates that ask the permission map."""

import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.templatetags import l10n
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.utils import signature

from workspaces.models import ApiToken, Credentials, Label, OrgMembership, Participant, Team, Workspace
from workspaces.templatetags.workspace_tags import status_badge


class BaseTable(tables.Table):
    """Every list table. Rows render in Python (`tbody`), the same HTML as django-tables2's
    bootstrap5 template gives, cell for cell (tests/test_tables.py compares the two), at a
    fraction of its cost: a column's render method and its argument names are resolved once
    per table instead of once per cell, static `<td>` attributes are built once per column, and
    template columns (DateTimeColumn is one) compile their template once per table and render
    within the page's context, instead of compiling per cell or making a fresh RequestContext
    per cell (which ran every context processor again, for every cell)."""

    class Meta:
        template_name = "tables/table.html"
        attrs = {"class": "table table-hover align-middle"}
        per_page = 25
        empty_text = "Nothing here yet."

    def tbody(self) -> SafeString:
        columns = list(self.columns)
        plans = [(column, _static_td(self, column), _cell_function(self, column)) for column in columns]
        context = getattr(self, "context", None) or Context()
        rows = []
        for row in self.paginated_rows:
            cells = []
            for column, td, cell in plans:
                value = cell(row)
                column.current_value, column.current_record = value, row.record  # as BoundRow.items()
                attrs = td if td is not None else column.attrs["td"].as_html()
                cells.append(f"<td {attrs}>{_display(column, value, context)}</td>")
            rows.append(f"<tr {row.attrs.as_html()}>{''.join(cells)}</tr>")
        if not rows and self.empty_text:
            rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), self.empty_text))
        return mark_safe("".join(rows))  # noqa: S308 - every piece above is escaped or already safe


def _static_td(table, column) -> str | None:
    """The `<td>` attributes of every cell of `column`, or None when they depend on the cell."""
    sources = (table.attrs, column.column.attrs)
    for attrs in sources:
        for key in ("td", "cell"):
            if any(callable(value) for value in (attrs.get(key) or {}).values()):
                return None
    column.current_value = column.current_record = None
    return column.attrs["td"].as_html()


def _display(column, value, context) -> str:
    """`{{ cell }}` (or `{{ cell|localize }}` / `|unlocalize`) as the stock template writes it."""
    if column.localize is not None:
        value = l10n.localize(value) if column.localize else l10n.unlocalize(value)
    return render_value_in_context(value, context)


def _cell_function(table, bound_column):
    """`BoundRow.get_cell(name)` for one column, with its render function's arguments resolved once."""
    column = bound_column.column
    render = bound_column.render
    if isinstance(column, tables.TemplateColumn) and getattr(render, "__func__", None) is type(column).render:
        render = _template_cell(table, column, render)
    arguments, catch_all = signature(render)

    def cell(bound_row):
        def call(_, value=None):
            kwargs = bound_row._optional_cell_arguments(bound_column, value)
            if catch_all:
                content = render(**kwargs)
            elif all(name in kwargs for name in arguments):
                content = render(**{name: kwargs[name] for name in arguments})
            else:
                content = None
            return bound_column.link(content, **kwargs) if bound_column.link else content

        return bound_row._get_and_render_with(bound_column, render_func=call, default=bound_column.default)

    return cell


def _template_cell(table, column, fallback):
    """A template column's cell (DateTimeColumn is one too) rendered within the page's context
    (`table.context`, which `{% render_table %}` sets), its template compiled once per table
    instead of once per cell (`template_code`) or looked up with a fresh RequestContext per cell
    (`template_name`)."""
    parent = getattr(table, "context", None)
    if parent is None or parent.template is None:
        return fallback
    template = Template(column.template_code) if column.template_code else get_template(column.template_name).template

    def render(record, table, value, bound_column, **kwargs):
        extra = column.get_context_data(record=record, table=table, value=value, bound_column=bound_column, **kwargs)
        with parent.update(extra):
            if column.template_code:
                parent["request"] = getattr(table, "request", None)
            return template.render(parent)

    return render


def actions(template: str) -> tables.TemplateColumn:
    return tables.TemplateColumn(
        template_name=template,
        verbose_name=format_html(
            '<span class="visually-hidden">{}</span>', "Actions"
        ),  # a header screen readers can name
        orderable=False,
        attrs={"td": {"class": "text-end text-nowrap"}},
    )


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
