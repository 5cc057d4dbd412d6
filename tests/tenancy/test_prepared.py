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


def state_of(obj):
    return (obj._state.adding, obj._state.db, dict(obj._state.fields_cache), obj.get_deferred_fields())


@pytest.mark.django_db
def test_an_instance_built_without_init_is_what_from_db_builds():
    from django.db.models.signals import post_init

    from pipelines.models import Run
    from seqera.prepared import instance_builder
    from tests.factories import RunFactory

    run = RunFactory(params={"a": [1]})
    names = [field.attname for field in Run._meta.concrete_fields]
    row = Run.objects.filter(pk=run.pk).values_list(*names).get()
    some = [name for name in names if name not in ("params", "warning")]
    some_row = [value for name, value in zip(names, row, strict=True) if name in some]
    build = instance_builder(Run)
    assert build != Run.from_db
    for used, values in ((names, row), (some, some_row)):
        fast, orm = build("default", used, values), Run.from_db("default", used, values)
        assert type(fast) is Run and fast.__dict__.keys() - {"_state"} == orm.__dict__.keys() - {"_state"}
        assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
            k: v for k, v in orm.__dict__.items() if k != "_state"
        }
        assert state_of(fast) == state_of(orm)
    # A post_init receiver (as an ImageField connects) would not run: Django's own from_db then.
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Run)
    try:
        assert instance_builder(Run) == Run.from_db
    finally:
        post_init.disconnect(receiver, sender=Run)
    assert instance_builder(Run) != Run.from_db


@pytest.mark.django_db
def test_model_rows_are_the_orms_only_and_select_related():
    from pipelines.models import Run
    from seqera.prepared import ModelRows
    from tests.factories import RunFactory

    runs = [RunFactory(), RunFactory(pipeline=None)]
    workspace_ids = [run.workspace_id for run in runs]
    for fields, related in (
        (None, {}),
        (["run_name", "status", "params"], {"launch": ("resume",)}),
        (["status"], {"launch": None, "pipeline": ("name",)}),
    ):
        reader = ModelRows(Run, fields=fields, related=related)
        rows = Run.objects.filter(workspace_id__in=workspace_ids).order_by("pk").values_list(*reader.columns)
        read = reader.instances(list(rows))
        queryset = Run.objects.filter(workspace_id__in=workspace_ids).order_by("pk")
        if related:  # select_related() alone would join every foreign key
            queryset = queryset.select_related(*related)
        if fields is not None:
            joined = [
                f"{name}__{field}"
                for name, wanted in related.items()
                for field in (wanted or [f.name for f in Run._meta.get_field(name).related_model._meta.concrete_fields])
            ]
            queryset = queryset.only(*fields, *joined)
        orm = list(queryset)
        assert len(read) == len(orm) == 2
        for fast, slow in zip(read, orm, strict=True):
            assert fast.get_deferred_fields() == slow.get_deferred_fields()
            assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
                k: v for k, v in slow.__dict__.items() if k != "_state"
            }
            assert fast._state.fields_cache.keys() == slow._state.fields_cache.keys()
            for name in related:
                one, other = fast._state.fields_cache[name], slow._state.fields_cache[name]
                assert (one is None) == (other is None)
                if one is not None:
                    assert {k: v for k, v in one.__dict__.items() if k != "_state"} == {
                        k: v for k, v in other.__dict__.items() if k != "_state"
                    }
                    assert one._state.fields_cache.keys() == other._state.fields_cache.keys()  # the reverse one-to-one
    with pytest.raises(ImproperlyConfigured):
        ModelRows(Run, related={"labels": None})


@pytest.mark.django_db
def test_a_sliced_prepared_read_is_the_querysets_slice():
    workspaces = [WorkspaceFactory() for _ in range(5)]
    org_ids = sorted({w.org_id for w in workspaces})
    query = PreparedQuery(
        lambda org: Workspace.objects.filter(org_id__gte=org).order_by("pk").values_list("pk"), ints=("org",)
    )
    query.MAX_SLICES = 3
    for low, high in ((0, 1), (0, 3), (2, 4), (4, 9), (9, 10), (0, 3), (1, 2)):
        expected = list(Workspace.objects.filter(org_id__gte=org_ids[0]).order_by("pk").values_list("pk")[low:high])
        assert query.rows(limits=(low, high), org=org_ids[0]) == expected
        assert len([key for key in query.statements if key[1] is not None]) <= 3
    assert query.rows(org=org_ids[0]) == list(
        Workspace.objects.filter(org_id__gte=org_ids[0]).order_by("pk").values_list("pk")
    )


@pytest.mark.django_db
def test_a_prepared_one_to_one_prefetch_holds_the_row_or_its_absence(django_assert_num_queries):
    from pipelines.models import Run
    from pipelines.trace.models import RunTrace
    from seqera.prepared import prefetch
    from tests.factories import RunFactory

    traced, untraced = RunFactory(), RunFactory()
    RunTrace.objects.create(run=traced, workspace=traced.workspace)
    ours, theirs = Run.objects.get(pk=traced.pk), RunTrace.objects.get(pk=traced.pk)
    with django_assert_num_queries(1):
        prefetch(ours, "trace")
    with django_assert_num_queries(0):
        assert fields_of(ours.trace) == fields_of(theirs)
        assert ours.trace.run is ours
    missing = Run.objects.get(pk=untraced.pk)
    prefetch(missing, "trace")
    with django_assert_num_queries(0), pytest.raises(RunTrace.DoesNotExist):
        missing.trace  # noqa: B018 - reading it is the point
