"""The request path's workspace-and-role read (`workspace_with_role`, SQL compiled once per
process) returns what the ORM's `select_related("org").with_role(user)` returns, for every way a
user holds a role; a prepared read whose value the ORM would inline refuses to compile."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from seqera.prepared import PreparedQuery
from tests.factories import OrgMembershipFactory, ParticipantFactory, TeamFactory, UserFactory, WorkspaceFactory
from workspaces.models import Participant, Workspace, readable_workspaces, workspace_with_role


def orm_read(user, workspace):
    return Workspace.objects.select_related("org").with_role(user).get(pk=workspace.pk)


def same(prepared, orm):
    fields = [field.attname for field in Workspace._meta.concrete_fields]
    org_fields = [field.attname for field in type(orm.org)._meta.concrete_fields]
    assert [getattr(prepared, name) for name in fields] == [getattr(orm, name) for name in fields]
    assert [getattr(prepared.org, name) for name in org_fields] == [getattr(orm.org, name) for name in org_fields]
    assert prepared.annotated_role == orm.annotated_role
    assert prepared.url("workspaces:credentials_list") == orm.url("workspaces:credentials_list")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direct", "team", "org_role", "effective"),
    [
        ("view", "admin", "member", "admin"),
        ("maintain", None, "member", "maintain"),
        (None, "launch", "member", "launch"),
        (None, None, "owner", "owner"),
        ("view", None, "owner", "owner"),
        (None, None, "member", None),
        (None, None, None, None),
    ],
)
def test_prepared_read_agrees_with_the_orm(direct, team, org_role, effective):
    workspace = WorkspaceFactory()
    WorkspaceFactory(org=workspace.org)  # a neighbour the lookup must not pick
    user = OrgMembershipFactory(org=workspace.org, role=org_role).user if org_role else UserFactory()
    if direct:
        ParticipantFactory(workspace=workspace, user=user, role=direct)
    if team:
        squad = TeamFactory(org=workspace.org)
        squad.members.add(user)
        Participant.objects.create(workspace=workspace, team=squad, role=team)
    by_id = workspace_with_role(user, pk=workspace.pk)
    by_name = workspace_with_role(user, org=workspace.org.name, name=workspace.name)
    for prepared in (by_id, by_name):
        same(prepared, orm_read(user, workspace))
        assert prepared.annotated_role == effective


@pytest.mark.django_db
def test_a_workspace_that_does_not_exist_is_does_not_exist():
    workspace = WorkspaceFactory()
    user = UserFactory()
    with pytest.raises(Workspace.DoesNotExist):
        workspace_with_role(user, pk=workspace.pk + 1000)
    with pytest.raises(Workspace.DoesNotExist):
        workspace_with_role(user, org=workspace.org.name, name=workspace.name + "x")


@pytest.mark.django_db
def test_a_value_that_does_not_reach_the_sql_as_a_parameter_is_refused():
    # Written into the SQL text, or dropped: binding it later would run with the wrong value.
    inlined = PreparedQuery(
        lambda pk: Workspace.objects.extra(where=[f"id <> {pk}"]).values_list("pk"),  # noqa: S610
        ints=("pk",),
    )
    dropped = PreparedQuery(lambda pk: Workspace.objects.values_list("pk"), ints=("pk",))
    for query in (inlined, dropped):
        with pytest.raises(ImproperlyConfigured, match="pk"):
            query.rows(pk=3)
    with pytest.raises(TypeError):
        PreparedQuery(lambda pk: Workspace.objects.filter(pk=pk).values_list("pk"), ints=("pk",)).rows()


@pytest.mark.django_db
def test_the_switchers_workspaces_are_those_restrict_allows(tenancy):
    later = WorkspaceFactory(org=tenancy.org, name="later")  # the org owner's, with no participant row
    for user in [*tenancy.users.values(), tenancy.outsider]:
        expected = list(
            Workspace.objects.restrict(user, "workspace:read").select_related("org").order_by("org__name", "name")
        )
        listed = readable_workspaces(user)
        assert [(w.pk, w.name, w.org.name) for w in listed] == [(w.pk, w.name, w.org.name) for w in expected]
    assert later in readable_workspaces(tenancy.users["org_owner"])


def fields_of(obj):
    return [getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields]


@pytest.mark.django_db
def test_an_object_read_is_the_orms_row_with_its_related_objects_and_the_workspace():
    from pipelines.models import Pipeline
    from tests.factories import ComputeEnvFactory, PipelineFactory
    from workspaces.tenancy import read_object

    ce = ComputeEnvFactory()
    workspace = ce.workspace
    with_env = PipelineFactory(workspace=workspace, compute_env=ce)
    without = PipelineFactory(workspace=workspace, compute_env=None)
    for pipeline in (with_env, without):
        orm = Pipeline.objects.select_related("compute_env", "created_by").get(pk=pipeline.pk)
        read = read_object(Pipeline, workspace, str(pipeline.pk), ("compute_env", "created_by"))
        assert fields_of(read) == fields_of(orm)
        assert read.workspace is workspace
        if orm.compute_env is None:
            assert read._state.fields_cache["compute_env"] is None  # joined and null: no query for it
        else:
            assert fields_of(read.compute_env) == fields_of(orm.compute_env)
            assert read.compute_env._state.fields_cache["workspace"] is workspace  # same workspace: attached
        assert read.created_by is None
    other = PipelineFactory()
    assert read_object(Pipeline, workspace, other.pk, ("compute_env",)) is None  # another workspace's row
    assert read_object(Pipeline, workspace, "not-a-number", ()) is None
    assert read_object(type(ce), workspace, ce.pk, ("credentials",)).credentials.pk == ce.credentials_id
    assert read_object(type(ce), other.workspace, ce.pk, ("credentials",)) is None


@pytest.mark.django_db
def test_a_prepared_prefetch_holds_what_djangos_prefetch_holds(django_assert_num_queries):
    from django.db.models import prefetch_related_objects

    from computeenvs.models import ComputeEnv, ForgedResource
    from seqera.prepared import prefetch
    from tests.factories import ComputeEnvFactory, LabelFactory

    ce, bare = ComputeEnvFactory(), ComputeEnvFactory()
    other = ComputeEnvFactory(workspace=ce.workspace)
    labels = [LabelFactory(workspace=ce.workspace, name=name) for name in ("zeta", "alpha", "mid")]
    ce.labels.add(*labels)
    other.labels.add(labels[0])
    for order, kind in ((2, "JobQueue"), (1, "IamRole"), (3, "ComputeEnvironment")):
        ForgedResource.objects.create(workspace=ce.workspace, compute_env=ce, order=order, kind=kind, name=f"r{order}")
    ForgedResource.objects.create(workspace=other.workspace, compute_env=other, order=1, kind="IamRole", name="x")
    for target in (ce, bare):
        theirs = ComputeEnv.objects.get(pk=target.pk)
        prefetch_related_objects([theirs], "labels", "forged_resources")
        ours = ComputeEnv.objects.get(pk=target.pk)
        with django_assert_num_queries(2):
            prefetch(ours, "labels", "forged_resources")
        with django_assert_num_queries(0):
            assert [fields_of(x) for x in ours.labels.all()] == [fields_of(x) for x in theirs.labels.all()]
            assert [fields_of(x) for x in ours.forged_resources.all()] == [
                fields_of(x) for x in theirs.forged_resources.all()
            ]
            assert all(resource.compute_env is ours for resource in ours.forged_resources.all())
    assert [label.name for label in ComputeEnv.objects.get(pk=ce.pk).labels.all()] == ["alpha", "mid", "zeta"]
