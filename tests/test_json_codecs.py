"""The API's orjson encoder (seqera.drf.JSONRenderer) writes what DRF's renderer writes, and the
prepared reads' JSON column loader (seqera.prepared.load_json) reads what Django's JSONField
reads: each compared with the stock code over generated values, including the cases orjson
handles differently (long integers, NaN text, lone surrogates, U+2028)."""

import datetime
import decimal
import json
import math
import uuid
import zoneinfo
from collections import OrderedDict, namedtuple

import pytest
from django.db.models import JSONField
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer as StockRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from seqera.drf import JSONRenderer
from seqera.prepared import load_json

OURS, STOCK = JSONRenderer(), StockRenderer()
Point = namedtuple("Point", "x y")


class Score(float):
    pass


def both(data, accepted=None):
    """(ours, DRF's): the bytes, or the type of the error each raised."""
    found = []
    for renderer in (OURS, STOCK):
        try:
            found.append(renderer.render(data, accepted, {}))
        except Exception as exc:  # noqa: BLE001 (the same error is what is compared)
            found.append(type(exc))
    return found


def has_float(value) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(has_float(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_float(item) for item in value)
    return False


texts = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\u2028", "a\u2029b", "\x00\x1f\x7f", '"\\/', "\ud800", "é✓😀"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | st.datetimes(timezones=st.none() | st.just(datetime.UTC) | st.just(zoneinfo.ZoneInfo("Europe/Paris")))
    | st.dates()
    | st.times()
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.uuids()
    | st.builds(gettext_lazy, st.sampled_from(["Workflow not found", "Invalid token."]))
    | st.builds(Score, st.floats(allow_nan=False, allow_infinity=False))
)
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.builds(Point, children, children)
        | st.dictionaries(texts, children, max_size=4)
        | st.dictionaries(st.integers(-3, 3), children, max_size=2)
        | st.dictionaries(texts, children, max_size=3).map(OrderedDict)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_the_encoder_writes_what_drf_writes(data):
    ours, stock = both(data)
    if isinstance(stock, type) or has_float(data):
        # an error: the same one; a float: the same numbers (orjson may spell one `1e16`)
        assert (ours if isinstance(ours, type) else json.loads(ours)) == (
            stock if isinstance(stock, type) else json.loads(stock)
        )
    else:
        assert ours == stock


@pytest.mark.parametrize(
    "data",
    [
        {"workflows": ReturnList([ReturnDict({"id": "3fQx", "params": {"n": 1}}, serializer=None)], serializer=None)},
        {"big": 2**64, "small": -(2**63) - 1, "edge": 2**63 - 1},
        {2: "a", None: "b", True: "c"},
        {"line": "one\u2028two\u2029three", "zero": "\x00"},
        {"when": datetime.datetime(2026, 12, 2, 17, 0, 0, 123, tzinfo=datetime.UTC), "day": datetime.date(2026, 1, 2)},
        {"cost": decimal.Decimal("1.50"), "id": uuid.UUID(int=7), "msg": gettext_lazy("Workflow not found")},
        [Point(1, 2), (3, 4)],
        {"surrogate": "\udc80"},
        {"aware": datetime.time(10, 0, tzinfo=datetime.UTC)},
        {"deep": json.loads("[" * 300 + "]" * 300)},
        "plain",
        None,
    ],
)
def test_cases_orjson_would_answer_differently_answer_as_drf(data):
    ours, stock = both(data)
    assert ours == stock


def test_an_indented_answer_is_drfs():
    data = {"a": [1, 2], "b": "é"}
    assert both(data, "application/json; indent=4") == [STOCK.render(data, "application/json; indent=4", {})] * 2
    assert b"\n    " in OURS.render(data, "application/json; indent=4", {})


def test_a_nan_is_written_as_null_where_drf_refuses_it():
    ours, stock = both({"cost": math.nan, "load": math.inf})
    assert stock is ValueError
    assert json.loads(ours) == {"cost": None, "load": None}


def test_it_is_the_apis_renderer():
    from rest_framework.settings import api_settings

    assert list(api_settings.DEFAULT_RENDERER_CLASSES) == [JSONRenderer]


# --------------------------------------------------------------------------- the loader
FIELD = JSONField()


def stock_load(text):
    return FIELD.from_db_value(text, None, None)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans())
def test_the_loader_reads_what_django_reads(value, spaced):
    text = json.dumps(value, separators=(", ", ": ") if spaced else (",", ":"))
    loaded = load_json(text)
    assert loaded == stock_load(text)
    assert json.dumps(loaded) == json.dumps(stock_load(text))  # the same types (an int stays an int)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "12345678901234567890123",
        '{"n": -9223372036854775809}',
        '"1234567890123456789 in a string"',
        "NaN",
        "[Infinity]",
        '"\\ud800"',
        "1e400",
        "not json",
        '{"a": 1, "a": 2}',
        "  [1, 2.5, true]  ",
        b'{"bytes": 1}',
    ],
)
def test_texts_orjson_reads_differently_are_read_as_django_reads_them(text):
    loaded, stock = load_json(text), stock_load(text)
    assert repr(loaded) == repr(stock)
