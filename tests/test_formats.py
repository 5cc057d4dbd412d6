"""`seqera.formats` writes what Django's formatting writes, for any input."""

import datetime

import pytest
from django.template.defaultfilters import date, filesizeformat
from django.utils import dateformat, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.models import Run
from seqera.formats import choice_display, date_filter, date_formatter, file_sizes
from tests.factories import RunFactory

DATE_PIECES = st.sampled_from(["Y", "m", "d", "H", "i", "s", " ", "-", ":", "/", ".", ","])


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime.datetime(1, 1, 1), timezones=st.just(datetime.UTC)),
    fmt=st.lists(DATE_PIECES, min_size=1, max_size=12).map("".join),
)
def test_numeric_date_formats_are_written_as_dateformat_writes_them(moment, fmt):
    assert date_formatter(fmt)(moment) == dateformat.format(moment, fmt)


@pytest.mark.parametrize("fmt", ["N j, Y", "Y-m-d P", "D d", "Y\\m", "c", "U", "Y-m-d T"])
def test_other_date_formats_are_left_to_django(fmt):
    assert date_formatter(fmt) is None


@pytest.mark.django_db
def test_choice_labels_are_what_get_foo_display_gives(tenancy):
    run = RunFactory(workspace=tenancy.workspace)
    field = Run._meta.get_field("status")
    display = choice_display(Run, field)
    for value in [*(choice for choice, _ in field.flatchoices), "NOT-A-STATUS", "", None]:
        run.status = value
        assert display(run) == run.get_status_display()


def test_a_model_defining_its_own_display_method_keeps_it():
    class Own:  # a model class whose get_status_display is its own, not Django's generated one
        status = "RUNNING"

        def get_status_display(self):
            return "mine"

    assert choice_display(Own, Run._meta.get_field("status"))(Own()) == "mine"


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.none() | st.integers(min_value=-(2**63), max_value=2**63), max_size=8),
    language=st.sampled_from(["en", "de", "fr", "pt-br", "hi"]),
)
def test_file_sizes_are_filesizeformat(sizes, language):
    with translation.override(language):
        size = file_sizes()
        assert [size(value) for value in sizes] == ["" if v is None else filesizeformat(v) for v in sizes]


@settings(max_examples=200, deadline=None)
@given(
    value=st.none()
    | st.just("")
    | st.dates()
    | st.datetimes(min_value=datetime.datetime(1, 1, 1), timezones=st.none() | st.just(datetime.UTC)),
    fmt=st.sampled_from(["Y-m-d H:i:s", "Y-m-d", "N j, Y", "H:i T"]),
)
def test_the_date_filter_writer_is_djangos_filter(value, fmt):
    assert _outcome(date_filter(fmt), value) == _outcome(lambda v: date(v, fmt), value)


def _outcome(write, value):
    try:
        return write(value)
    except TypeError as exc:  # a time format for a date: Django refuses it
        return type(exc), str(exc)
