"""`seqera.serializers.FastRead` answers exactly what DRF's `Serializer.to_representation` does:
the same JSON text (key order included) or the same error, for synthetic objects of every field
kind the plan reproduces (hypothesis) and for every response serializer the API answers with,
over factory-built rows with None values, missing related objects and reported fields absent or
present."""

from __future__ import annotations

import datetime as dt
import enum
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient

from seqera.api import BlankAsNull, CharOrNull, DictOrNull, Fixed, Page
from seqera.serializers import FastRead, ReadSerializer, _plan, class_plan, stock_representation


def dumps(data) -> str:
    return json.dumps(data, sort_keys=False, default=repr)


def outcome(serializer_factory):
    """(json text, None) or (None, (error type, message)) of one serialization."""
    try:
        return dumps(serializer_factory().data), None
    except Exception as exc:  # noqa: BLE001 (the error itself is compared)
        return None, (type(exc).__name__, str(exc))


def assert_same(serializer_factory):
    fast = outcome(serializer_factory)
    with stock_representation():
        stock = outcome(serializer_factory)
    assert fast == stock
    return fast


# --------------------------------------------------------------------------- synthetic objects
class Colour(enum.Enum):
    RED = "A"
    BLUE = 7


class Missing:
    """A related object that does not exist (Django raises RelatedObjectDoesNotExist)."""

    @property
    def b(self):
        raise ObjectDoesNotExist("no b")


class Obj:
    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    @property
    def gone(self):
        """A one-to-one whose row does not exist, unless the row gave it."""
        if "gone_value" not in self.__dict__:
            raise ObjectDoesNotExist("no row")
        return self.gone_value

    def compute(self):
        return self.__dict__.get("computed", "c")

    def broken(self):
        raise KeyError("inside")


class NestedProbe(ReadSerializer):
    text = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)


class Probe(ReadSerializer):
    text = serializers.CharField()
    path = CharOrNull(source="a.b")
    count = serializers.IntegerField(allow_null=True)
    big = serializers.BigIntegerField(allow_null=True, source="count")
    big_text = serializers.BigIntegerField(coerce_to_string=True, source="count")
    big_number = serializers.BigIntegerField(coerce_to_string=False, source="count")
    ratio = serializers.FloatField()
    flag = serializers.BooleanField(allow_null=True)
    plain_flag = serializers.BooleanField(source="flag")
    state = serializers.ChoiceField(choices=[("A", "a"), ("B", "b"), (1, "one"), ("", "blank")])
    when = serializers.DateTimeField(allow_null=True)
    when_format = serializers.DateTimeField(format="%Y-%m-%d %H:%M %z", source="when")
    when_raw = serializers.DateTimeField(format=None, source="when")
    when_paris = serializers.DateTimeField(default_timezone=ZoneInfo("Europe/Paris"), source="when")
    mapping = serializers.DictField()
    labels = serializers.DictField(child=serializers.CharField(), source="mapping")
    items = serializers.ListField(child=serializers.IntegerField())
    plain_list = serializers.ListField(source="items")
    nested_list = serializers.ListField(child=serializers.DictField(), source="dicts")
    dates = serializers.ListField(child=serializers.DateTimeField(), source="dates_list")
    blob = serializers.JSONField()
    maybe = DictOrNull(source="mapping")
    blank_flag = type("BlankBool", (BlankAsNull, serializers.BooleanField), {})(source="flag")
    with_default = serializers.CharField(default="dflt", source="missing_a")
    optional = serializers.IntegerField(required=False, source="missing_b")
    nullable_missing = serializers.CharField(allow_null=True, source="missing_c")
    computed = serializers.CharField(source="compute")
    gone = serializers.CharField()
    nested = NestedProbe(source="*")
    fixed = Fixed(False, serializers.BooleanField())


texts = st.one_of(st.none(), st.text(max_size=5), st.integers(-3, 3))
numbers = st.one_of(st.none(), st.integers(-(2**40), 2**40), st.booleans(), st.floats(allow_nan=False))
zones = st.sampled_from([dt.UTC, ZoneInfo("Europe/Paris"), ZoneInfo("America/Sao_Paulo"), None])
datetimes = st.one_of(
    st.none(),
    st.builds(lambda d, z: d.replace(tzinfo=z), st.datetimes(min_value=dt.datetime(1900, 1, 1)), zones),
    st.dates(),
    st.just("2026-01-01T00:00:00Z"),
    st.just(dt.datetime.max.replace(tzinfo=dt.UTC)),
)
values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3), st.floats(allow_nan=False))
mappings = st.dictionaries(st.one_of(st.text(max_size=3), st.integers(0, 3)), values, max_size=4)
FIELDS = {
    "text": texts,
    "a": st.one_of(st.none(), st.builds(Missing), st.builds(lambda b: Obj(b=b), texts), st.builds(Obj)),
    "count": numbers,
    "ratio": numbers,
    "flag": st.one_of(st.none(), st.booleans(), st.sampled_from(["yes", "off", "null", "", 0, 1, 2, "maybe"])),
    "state": st.one_of(st.sampled_from(["A", "B", "C", "", "1", 1, Colour.RED, Colour.BLUE]), st.none()),
    "when": datetimes,
    "mapping": st.one_of(st.none(), mappings),
    "items": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.integers(), st.booleans()), max_size=4)),
    "dicts": st.one_of(st.none(), st.lists(st.one_of(st.none(), mappings), max_size=3)),
    "dates_list": st.lists(datetimes.filter(lambda d: d is not None), max_size=2),
    "blob": st.one_of(values, mappings, st.lists(values, max_size=3)),
    "missing_a": texts,
    "missing_b": st.integers(),
    "missing_c": texts,
    "computed": texts,
    "gone_value": texts,
}


OPTIONAL = ["a", "missing_a", "missing_b", "missing_c", "gone_value"]  # the rest are required: absent is an error


@st.composite
def instances(draw):
    present = draw(st.sets(st.sampled_from(OPTIONAL)))
    attrs = {name: draw(FIELDS[name]) for name in sorted(FIELDS) if name in present or name not in OPTIONAL}
    if draw(st.booleans()):
        return Obj(**attrs)
    attrs["compute"] = lambda value=attrs["computed"]: value
    attrs["gone"] = attrs.pop("gone_value", None)
    return attrs  # dict instances are read with instance[attr]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(instances(), min_size=1, max_size=4))
def test_every_field_kind_reads_as_drf_does(zone, rows):
    with timezone.override(ZoneInfo(zone)):
        assert_same(lambda: Probe(rows[0]))
        assert_same(lambda: Probe(rows, many=True))


class Exact(ReadSerializer):
    """Fields whose plan writes a value of exactly the converter's type without calling it."""

    text = serializers.CharField()
    blank = CharOrNull()
    count = serializers.IntegerField(allow_null=True)
    ratio = serializers.FloatField(allow_null=True)


class Text(str):
    def __str__(self):
        return "converted"


def test_values_of_exactly_the_converters_type_and_the_rest():
    """``type(value) is str`` (int, float) is written as is; a subclass, a lazy object, a bool or
    an int where a float is declared, a callable: DRF's conversion, as before."""
    from django.utils.functional import SimpleLazyObject
    from django.utils.translation import gettext_lazy

    odd = [
        "",
        "x",
        Text("raw"),
        SimpleLazyObject(lambda: "lazy"),
        gettext_lazy("Name"),
        lambda: "called",
        lambda: "",
        True,
        0,
        7,
        1.5,
        0.0,
        None,
    ]
    for value in odd:
        for other in ("", "b", Text(""), 3, 2.5, True):
            row = {"text": value, "blank": value, "count": other, "ratio": other}
            if isinstance(other, str) or isinstance(value, (bool, float)):
                row["count"] = value if not isinstance(value, str) else 1
            assert_same(lambda row=row: Exact(row))
            assert_same(lambda row=row: Exact(Obj(**row)))
            assert_same(lambda row=row: Exact([row, row], many=True))


class Stamped(ReadSerializer):
    when = serializers.DateTimeField()


class InnerAnswer(serializers.Field):
    """A field that answers with another root serializer's data (as `RunProgress` does)."""

    reads_context = False

    def to_representation(self, value):
        return Stamped(value).data


class Outer(ReadSerializer):
    first = serializers.DateTimeField(source="when")
    inner = InnerAnswer(source="*")
    last = serializers.DateTimeField(source="when")


def test_the_zone_is_the_current_one_for_each_answer_and_inside_another():
    """The zone read once per root serialization: a later answer in another zone, and a root
    serializer inside another's answer, write what DRF writes then."""
    row = {"when": dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC)}
    for zone in ("UTC", "Asia/Kolkata", "UTC", "America/Sao_Paulo"):
        with timezone.override(ZoneInfo(zone)):
            expected = row["when"].astimezone(ZoneInfo(zone)).isoformat().replace("+00:00", "Z")
            answer = {"first": expected, "inner": {"when": expected}, "last": expected}
            # many=True first: its rows are not a root's, so they read the zone of no earlier answer
            assert json.loads(assert_same(lambda: Outer([row, row], many=True))[0]) == [answer, answer]
            assert json.loads(assert_same(lambda: Outer(row))[0]) == answer


def test_errors_are_drfs_own():
    """A required attribute that is absent, a callable that raises, a builtin as source."""
    row = {"ratio": 1, "state": "A", "when": None}
    _, error = assert_same(lambda: Probe(row))
    assert error[0] == "KeyError" and "`text` on serializer `Probe`" in error[1]
    broken = type("Broken", (ReadSerializer,), {"value": serializers.CharField(source="broken")})
    assert assert_same(lambda: broken(Obj()))[1][0] == "ValueError"
    builtin = type("Builtin", (ReadSerializer,), {"value": serializers.CharField(source="keys")})
    assert assert_same(lambda: builtin(Obj(keys={}.keys)))[1][0] == "BuiltinSignatureError"


def test_the_plan_is_taken_for_stock_fields_and_skipped_for_custom_ones():
    """What stays on the slow path: fields with their own get_attribute or to_representation."""
    probe = Probe()
    steps = {name: (get, convert) for name, get, convert, _ in _plan(probe)[0]}
    assert steps["count"][1] is int and steps["text"][1] is str and steps["ratio"][1] is float
    assert steps["fixed"] == (probe.fields["fixed"].get_attribute, probe.fields["fixed"].to_representation)
    assert steps["nested"][1] == probe.fields["nested"].to_representation
    assert getattr(steps["when"][0], "__self__", None) is None  # not the field's bound get_attribute


def test_the_class_plan_shares_only_what_reads_no_context():
    """Built once per class: stock fields, `Fixed` (declares ``reads_context = False``) and nested
    plans without context are shared; a method field and a field that may read the context are
    bound to the serializing instance; a class whose fields may vary plans per instance."""
    plan = class_plan(Probe)
    assert plan is class_plan(Probe)
    # a list of datetimes is converted by DRF's ListField, which the plan does not assume context-free
    assert {step.name for step in plan.steps if step.bind is not None} == {"dates"}
    steps = {step.name: step for step in plan.steps}
    assert steps["count"].convert is int and steps["text"].inline[0] == "text"
    assert steps["fixed"].bind is None and steps["nested"].bind is None
    context = {step.name: step for step in class_plan(Contextual).steps}
    assert context["plain"].bind is None
    assert all(context[name].bind is not None for name in ("method", "from_context", "children", "single"))
    assert class_plan(VaryingFields) is None
    assert "row(instance)" in plan.factory.source  # the written row function, for a reader


# --------------------------------------------------------------------------- context-bound steps
class FromContext(serializers.Field):
    """Reads the context (as RequestedLabels does): never shared between instances."""

    def get_attribute(self, instance):
        return self.context.get("suffix")

    def to_representation(self, value):
        return f"{self.parent.__class__.__name__}:{value}:{self.root.__class__.__name__}"


class ContextChild(ReadSerializer):
    text = serializers.CharField()
    method = serializers.SerializerMethodField()
    from_context = FromContext()

    def get_method(self, obj):
        return f"{self.context.get('suffix')}-{obj['text']}"


class VaryingFields(ReadSerializer):
    """Fields chosen per instance (from the context): planned per instance."""

    text = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        if self.context.get("suffix") == "b":
            fields["extra"] = serializers.CharField(source="text")
        return fields


class OwnRepresentation(ReadSerializer):
    text = serializers.CharField()

    def to_representation(self, instance):
        return {**super().to_representation(instance), "seen": self.context.get("suffix")}


class Contextual(ReadSerializer):
    plain = serializers.CharField(source="text")
    method = serializers.SerializerMethodField()
    from_context = FromContext()
    children = ContextChild(many=True)
    single = ContextChild(source="first")
    varying = VaryingFields(source="first")
    own = OwnRepresentation(source="first")
    nested_list = serializers.ListField(child=FromContext(), source="children")

    def get_method(self, obj):
        return self.context.get("suffix")


@pytest.mark.parametrize("many", [False, True])
def test_context_bound_steps_read_the_serializing_instances_context(many):
    """The same classes serialize under different contexts one after the other (the class plan
    is built at the first): every answer is DRF's for its own context."""
    obj = {"text": "t", "children": [{"text": "x"}, {"text": "y"}], "first": {"text": "f"}}
    for suffix in ("a", "b", None, "a"):
        context = {} if suffix is None else {"suffix": suffix}
        data, _ = assert_same(lambda c=context: Contextual([obj, obj] if many else obj, many=many, context=c))
        assert f'"method": "{suffix}-x"' in data and f'"seen": {json.dumps(suffix)}' in data
        assert ('"extra"' in data) is (suffix == "b")


# --------------------------------------------------------------------------- the API's answers


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def urls(tenancy, world):
    ws, org = world["ws"].pk, tenancy.org.pk
    run = world["runs"]
    yield "/api/service-info"
    yield "/api/user-info"
    yield "/api/orgs"
    yield f"/api/orgs/{org}"
    yield f"/api/orgs/{org}/workspaces"
    yield f"/api/orgs/{org}/workspaces/{ws}"
    yield f"/api/orgs/{org}/workspaces/{ws}/participants"
    yield f"/api/user/{tenancy.users['owner'].pk}/workspaces"
    yield f"/api/credentials?workspaceId={ws}"
    yield f"/api/credentials/{tenancy.credentials.pk}?workspaceId={ws}"
    yield f"/api/labels?workspaceId={ws}"
    yield "/api/tokens"
    for attributes in ("", "&attributes=labels"):
        yield f"/api/workflow?workspaceId={ws}{attributes}"
        yield f"/api/workflow?workspaceId={ws}&includeTotalSize=true{attributes}"
        yield f"/api/compute-envs?workspaceId={ws}{attributes}"
        yield f"/api/pipelines?workspaceId={ws}{attributes}"
    for one in run:
        yield f"/api/workflow/{one.pk}?workspaceId={ws}"
        yield f"/api/workflow/{one.pk}/progress?workspaceId={ws}"
        yield f"/api/workflow/{one.pk}/launch?workspaceId={ws}"
    yield f"/api/workflow/{run[0].pk}/tasks?workspaceId={ws}"
    yield f"/api/workflow/{run[0].pk}/tasks?workspaceId={ws}&sortBy=taskId&sortDir=desc&max=7&offset=3"
    yield f"/api/workflow/{run[0].pk}/task/1?workspaceId={ws}"
    yield f"/api/workflow/{run[0].pk}/task/2?workspaceId={ws}"
    for ce in world["ces"]:
        yield f"/api/compute-envs/{ce.pk}?workspaceId={ws}"
    for pipeline in world["pipelines"]:
        yield f"/api/pipelines/{pipeline.pk}?workspaceId={ws}"
        yield f"/api/pipelines/{pipeline.pk}/launch?workspaceId={ws}"
    yield f"/api/pipeline-secrets?workspaceId={ws}"
    yield f"/api/pipeline-secrets/{world['secret'].pk}?workspaceId={ws}"


@pytest.fixture
def exercised(monkeypatch):
    """The FastRead classes whose plan ran (under the fast path)."""
    seen: set[type] = set()
    original = FastRead.to_representation

    def spy(self, instance):
        seen.add(type(self))
        return original(self, instance)

    monkeypatch.setattr(FastRead, "to_representation", spy)
    return seen


def direct_answers(tenancy):
    """Response serializers the endpoints above do not reach (their views need AWS or a write)."""
    from pipelines.api import serializers as p
    from workspaces.api import serializers as w

    log = {"entries": ["a", ""], "forwardToken": None, "rewindToken": "t", "pending": False, "truncated": True,
           "message": "", "downloads": [{"fileName": "x.log", "displayText": "x"}]}  # fmt: skip
    token = tenancy.users["maintain"].api_tokens.first()
    yield lambda: p.WorkflowLogResponseSerializer({"log": log})
    yield lambda: p.SubmitWorkflowLaunchResponseSerializer({"workflowId": "abc"})
    yield lambda: p.RandomWorkflowNameResponseSerializer({"name": "happy_curie"})
    yield lambda: p.CreatePipelineSecretResponseSerializer({"secretId": 3})
    yield lambda: w.CreateCredentialsResponseSerializer({"credentialsId": "c1"})
    yield lambda: w.CreateLabelResponseSerializer(tenancy.label)
    yield lambda: w.UpdateLabelResponseSerializer(tenancy.label)
    yield lambda: w.DeleteCredentialsConflictResponseSerializer(
        {
            "message": "in use",
            "credentialsId": "c1",
            "conflicts": [{"id": "1", "name": "ce", "type": "ce", "url": None}],
        }
    )
    yield lambda: w.CreateAccessTokenResponseSerializer({"accessKey": "k", "token": token})
    from computeenvs.api import serializers as c

    yield lambda: c.CreateComputeEnvResponseSerializer({"computeEnvId": "x"})
    yield lambda: c.ComputeEnvResourcesSerializer(
        {
            "cpus": None,
            "memory": 1,
            "diskSize": 2,
            "gpus": 0,
            "gpuEnabled": None,
            "instanceType": "t",
            "estimatedPrice": 1,
        }
    )
    yield lambda: p.ListPipelineSecretsResponseSerializer(Page([], 0))


@pytest.mark.django_db
def test_every_api_answer_is_drfs_byte_for_byte(tenancy, world, exercised, monkeypatch):
    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)  # an active run's duration counts to now
    client = client_for(tenancy.users["owner"])
    for url in urls(tenancy, world):
        fast = client.get(url)
        with stock_representation():
            stock = client.get(url)
        assert fast.status_code == 200, (url, fast.content[:300])
        assert fast.content == stock.content, url
        assert dumps(fast.json()) == dumps(stock.json())
    for make in direct_answers(tenancy):
        assert assert_same(make)[1] is None
    # Every response serializer of the API modules went through the fast path above.
    declared = set()
    todo = [FastRead]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in ("pipelines", "computeenvs", "workspaces"):
            declared.add(cls)
    never_answered = {"ComputeEnvOutSerializer", "UpdateCredentialsBodySerializer"}  # a base; a request body
    missing = {cls.__qualname__ for cls in declared - exercised} - never_answered
    assert not missing, f"not compared: {sorted(missing)}"


# --------------------------------------------------------------------------- prepared pages
def prepared_urls(tenancy, world):
    ws = world["ws"].pk
    run = world["runs"][0].pk
    other = world["runs"][1].pk  # no task
    for attributes in ("", "&attributes=labels"):
        yield f"/api/workflow?workspaceId={ws}{attributes}"
        for offset, size in ((0, 1), (0, 3), (2, 3), (5, 3), (7, 5), (8, 2), (20, 1)):
            yield f"/api/workflow?workspaceId={ws}&max={size}&offset={offset}{attributes}"
    yield f"/api/workflow?workspaceId={tenancy.workspace.pk}"  # another workspace: no run
    yield f"/api/workflow/{run}/tasks?workspaceId={ws}"
    yield f"/api/workflow/{other}/tasks?workspaceId={ws}"
    for sort in ("taskId", "name", "status", "start", "complete", "pcpu", "peakRss", "cost"):
        for direction in ("asc", "desc"):
            yield f"/api/workflow/{run}/tasks?workspaceId={ws}&sortBy={sort}&sortDir={direction}&max=7&offset=4"
    for status in ("COMPLETED", "NEW", "ABORTED"):
        yield f"/api/workflow/{run}/tasks?workspaceId={ws}&status={status}"
        yield f"/api/workflow/{run}/tasks?workspaceId={ws}&status={status}&process=PROC&max=2&offset=1"
    yield f"/api/workflow/{run}/tasks?workspaceId={ws}&process=OTHER"
    yield f"/api/workflow/{run}/tasks?workspaceId={ws}&offset=29&max=5"
    yield f"/api/workflow/{run}/tasks?workspaceId={ws}&offset=30"


@pytest.mark.django_db
def test_prepared_pages_answer_what_the_queryset_path_answers(tenancy, world, monkeypatch):
    """The run list and the task list read their page by prepared statements (`ModelRows`);
    under `stock_reads` they read it through the ORM queryset: the same bytes, page after page,
    sorted and filtered; and the prepared path is the one taken."""
    from seqera.prepared import stock_reads
    from tests.helpers.prepared import spy_on_prepared_reads

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    from pipelines.models import Run

    Run.objects.filter(pk__in=[run.pk for run in world["runs"][2:6]]).update(submit=frozen)  # ties: the id decides
    built = spy_on_prepared_reads(monkeypatch)
    client = client_for(tenancy.users["owner"])
    for url in prepared_urls(tenancy, world):
        built.clear()
        prepared = client.get(url)
        assert built, f"not read by the prepared path: {url}"
        built.clear()
        with stock_reads():
            stock = client.get(url)
        assert not built, url
        assert prepared.status_code == stock.status_code == 200, (url, prepared.content[:300])
        assert prepared.content == stock.content, url
    # a search is read through the queryset
    built.clear()
    assert client.get(f"/api/workflow?workspaceId={world['ws'].pk}&search=status:RUNNING").status_code == 200
    assert (
        client.get(f"/api/workflow/{world['runs'][0].pk}/tasks?workspaceId={world['ws'].pk}&search=ab").status_code
        == 200
    )
    assert not built
