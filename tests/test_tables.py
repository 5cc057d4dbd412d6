"""Every list table renders its rows in Python (`BaseTable.tbody`): the HTML must be exactly what
django-tables2's own Bootstrap 5 template renders, row for row and cell for cell."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.template import Context, RequestContext, Template
from django.utils import timezone
from django_tables2 import RequestConfig
from django_tables2.utils import signature

from computeenvs import selectors
from computeenvs.models import ComputeEnv
from computeenvs.tables import ComputeEnvTable
from pipelines.models import Pipeline, PipelineSecret, Run
from pipelines.tables import PipelineTable, RunTable, SecretTable
from seqera.tables import BaseTable, _signature
from tests.factories import (
    CredentialsFactory,
    LabelFactory,
    ParticipantFactory,
    PipelineFactory,
    PipelineSecretFactory,
    RunFactory,
    TeamFactory,
)
from tests.helpers.documents import make_ce
from workspaces import services
from workspaces.audit.models import AuditEvent
from workspaces.audit.tables import AuditEventTable
from workspaces.models import ApiToken, Credentials, Label, OrgMembership, Participant, Team, Workspace
from workspaces.permissions import ROLE_ORDER, roles_allowing
from workspaces.tables import (
    ApiTokenTable,
    CredentialsTable,
    LabelTable,
    MemberTable,
    ParticipantTable,
    TeamMemberTable,
    TeamTable,
    WorkspaceTable,
)

STOCK_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

TABLES = {
    ComputeEnvTable: lambda t: selectors.for_listing(
        ComputeEnv.objects.filter(workspace=t.workspace).select_related("credentials", "workspace__org")
    ),
    CredentialsTable: lambda t: Credentials.objects.filter(workspace=t.workspace),
    LabelTable: lambda t: Label.objects.filter(workspace=t.workspace),
    ParticipantTable: lambda t: Participant.objects.filter(workspace=t.workspace).select_related("user", "team"),
    MemberTable: lambda t: OrgMembership.objects.filter(org=t.org).select_related("user"),
    TeamTable: lambda t: Team.objects.filter(org=t.org).annotate(member_count=Count("members")),
    TeamMemberTable: lambda t: get_user_model().objects.order_by("username"),
    WorkspaceTable: lambda t: Workspace.objects.all(),
    ApiTokenTable: lambda t: ApiToken.objects.all(),
    AuditEventTable: lambda t: AuditEvent.objects.all(),
    PipelineTable: lambda t: Pipeline.objects.filter(workspace=t.workspace),
    RunTable: lambda t: Run.objects.filter(workspace=t.workspace),
    SecretTable: lambda t: PipelineSecret.objects.filter(workspace=t.workspace),
}


def all_tables(cls=BaseTable):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_tables(sub)


def test_every_table_is_compared():
    assert set(all_tables()) == set(TABLES)


@pytest.fixture
def rows(tenancy):
    admin = tenancy.users["admin"]
    make_ce(tenancy, name="forge-one", label_ids=[tenancy.label.pk])
    manual = {"region": "us-east-1", "workDir": "s3://bucket-b/work", "headQueue": "h", "computeQueue": "c"}
    make_ce(tenancy, name="manual-one", config=manual, description="x")
    CredentialsFactory(
        workspace=tenancy.workspace, name="with-role", assume_role_arn="arn:aws:iam::123456789012:role/r"
    )
    Credentials.objects.filter(name="lab-aws").update(status="INVALID", message="AWS said <no> & more")
    LabelFactory(workspace=tenancy.workspace, name="plain", value="", resource=False)
    team = TeamFactory(org=tenancy.org, name="crew")
    team.members.add(admin)
    ParticipantFactory(workspace=tenancy.workspace, team=team, user=None, role="launch")
    services.create_api_token(user=admin, name="ci <token>")
    PipelineFactory(workspace=tenancy.workspace, name="hello <world>")
    RunFactory(workspace=tenancy.workspace, status="FAILED")
    PipelineSecretFactory(workspace=tenancy.workspace, name="TOKEN_A")
    return tenancy


def render(table, request, context):
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    page = Template("{% load django_tables2 %}<main>{% render_table table %}</main>")
    return page.render(RequestContext(request, {**context, "table": table}))


def tbody(html: str) -> str:
    body = re.search(r"<tbody[^>]*>.*</tbody>", html, re.DOTALL).group(0)
    body = re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', body
    )  # masked anew each time
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", body)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "zone"), [("owner", "UTC"), ("view", "Asia/Kolkata")])
@pytest.mark.parametrize("table_class", list(TABLES), ids=lambda cls: cls.__name__)
def test_rows_are_what_django_tables2_renders(rows, rf, table_class, role, zone):
    with timezone.override(zone):
        rows_are_what_django_tables2_renders(rows, rf, table_class, role)


def rows_are_what_django_tables2_renders(rows, rf, table_class, role):
    request = rf.get("/any/?sort=name")
    request.user = rows.users[role]
    context = {"org": rows.org, "workspace": rows.workspace, "role": role, "user": request.user}
    data = TABLES[table_class](rows)
    assert data.exists(), "the comparison needs rows"
    fast = render(table_class(data, request=request), request, context)
    stock = render(table_class(data, request=request, template_name=STOCK_TEMPLATE), request, context)
    assert tbody(fast) == tbody(stock)
    assert tbody(fast).count("<tr") == min(data.count(), 25)
    if table_class is ComputeEnvTable:  # the work directory comes from the annotation, the document deferred
        assert "s3://bucket-b/work" in tbody(fast)
    # Outside the rows, the page is the stock template's too (header, sorting links, pagination).
    assert squeezed(re.sub(r"<tbody.*</tbody>", "", fast, flags=re.DOTALL)) == squeezed(
        re.sub(r"<tbody.*</tbody>", "", stock, flags=re.DOTALL)
    )
    assert "sort=-name" in fast or table_class not in (ComputeEnvTable, PipelineTable, LabelTable)


@pytest.mark.django_db
def test_an_empty_table_says_so(rf, tenancy):
    request = rf.get("/")
    request.user = tenancy.users["owner"]
    context = {"org": tenancy.org, "workspace": tenancy.workspace, "role": "owner"}
    empty = ComputeEnv.objects.none()
    fast = render(ComputeEnvTable(empty, request=request), request, context)
    stock = render(ComputeEnvTable(empty, request=request, template_name=STOCK_TEMPLATE), request, context)
    assert "No compute environments yet." in tbody(fast)
    assert tbody(fast) == tbody(stock)


LAUNCH_TEMPLATE = Template(  # the template cell the pipeline list's Launch button replaced
    '{% load workspace_tags %}{% if role|allows:"workflow:execute" %}<a class="btn btn-sm btn-outline-primary" '
    "href=\"{% url 'pipelines:launch' org=record.workspace.org.name workspace=record.workspace.name pk=record.pk %}\""
    ' aria-label="Launch {{ record.name }}">Launch</a>{% endif %}'
)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ROLE_ORDER])
def test_the_launch_button_is_the_template_it_replaced(tenancy, role):
    pipeline = PipelineFactory(workspace=tenancy.workspace, name='hello <world> & "co"')
    table = PipelineTable([pipeline])
    table.context = Context({"role": role})
    expected = LAUNCH_TEMPLATE.render(Context({"role": role, "record": pipeline}))
    assert table.render_launch(pipeline) == expected
    assert ("Launch</a>" in expected) == (role in roles_allowing("workflow:execute"))


def squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 7, 31])
@pytest.mark.parametrize("query", ["", "?sort=-name&q=a%26b&tag=x&tag=%3Cy%3E"])
def test_pagination_is_what_django_tables2_renders(rf, tenancy, rows, query):
    LabelFactory.create_batch(rows, workspace=tenancy.workspace)
    data = Label.objects.filter(workspace=tenancy.workspace)
    pages = -(-data.count() // 2)
    for number in sorted({1, 2, 5, pages - 1, pages} & set(range(1, pages + 1))):
        request = rf.get(f"/labels/{query}{'&' if query else '?'}page={number}")
        request.user = tenancy.users["owner"]
        context = {"org": tenancy.org, "workspace": tenancy.workspace, "role": "owner", "user": request.user}
        fast, stock = (
            Template("{% load django_tables2 %}{% render_table table %}").render(
                RequestContext(request, {**context, "table": table})
            )
            for table in (
                _paged(LabelTable(data, request=request), request),
                _paged(LabelTable(data, request=request, template_name=STOCK_TEMPLATE), request),
            )
        )
        assert squeezed(fast) == squeezed(stock)
        assert (f"page={number + 1}" in fast) == (number < pages)


def _paged(table, request):
    RequestConfig(request, paginate={"per_page": 2}).configure(table)
    return table


@pytest.mark.django_db
@pytest.mark.parametrize("table_class", list(TABLES), ids=lambda cls: cls.__name__)
def test_kept_render_signatures_are_django_tables2s(rows, table_class):
    table = table_class(TABLES[table_class](rows))
    for column in table.columns:
        assert _signature(column.render) == signature(column.render), column.name
