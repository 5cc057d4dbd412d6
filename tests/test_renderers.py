"""The select widget written in Python (seqera.renderers) gives exactly the HTML of Django's
templates, for every shape a select takes."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from computeenvs.filters import ComputeEnvFilter
from seqera.renderers import FormRenderer

DJANGO, OURS = DjangoTemplates(), FormRenderer()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
choices = st.lists(st.tuples(text, text), max_size=6)
grouped = st.lists(st.tuples(text, choices), max_size=3)
attrs = st.dictionaries(
    st.sampled_from(["class", "id", "disabled", "required", "data-x", "aria-label"]),
    st.one_of(st.booleans(), text, st.integers()),
    max_size=4,
)


def both(widget: forms.Widget, name: str, value) -> tuple[str, str]:
    return widget.render(name, value, renderer=DJANGO), widget.render(name, value, renderer=OURS)


@settings(max_examples=300, deadline=None)
@given(flat=choices, groups=grouped, attrs=attrs, name=text, pick=st.integers(0, 8), multiple=st.booleans())
def test_select_is_byte_for_byte_djangos(flat, groups, attrs, name, pick, multiple):
    options = [*flat, *groups]
    values = [value for value, _ in flat] + [value for _, group in groups for value, _ in group]
    chosen = values[pick % len(values)] if values else None
    widget = (forms.SelectMultiple if multiple else forms.Select)(attrs=attrs, choices=options)
    expected, ours = both(widget, name, [chosen] if multiple else chosen)
    assert ours == expected


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=[(1, "one"), (2, mark_safe("<b>two</b>")), (None, "none")]),  # noqa: S308 - a fixed literal
        forms.NullBooleanSelect(),
        forms.Select(choices=[("", "---"), ("a&b", "A & B")], attrs={"class": "form-select", "disabled": True}),
    ],
)
def test_select_shapes_of_the_product(widget):
    expected, ours = both(widget, "field", 2)
    assert ours == expected


@pytest.mark.django_db
def test_the_compute_environment_filter_form_renders_as_before():
    form = ComputeEnvFilter(data={"region": "eu-west-1", "status": "AVAILABLE"}).form
    ours = {name: str(form[name]) for name in ("status", "region", "mode")}
    form.renderer = DJANGO
    assert ours == {name: str(form[name]) for name in ours}
    assert '<option value="eu-west-1" selected>' in ours["region"]


def test_it_is_the_renderer_of_every_form(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)


INPUT_WIDGETS = [
    forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.PasswordInput, forms.HiddenInput,
    forms.DateInput, forms.DateTimeInput, forms.TimeInput, forms.SearchInput, forms.TelInput, forms.ColorInput,
    forms.CheckboxInput, forms.FileInput,
]  # fmt: skip
values = st.none() | text | st.integers() | st.sampled_from(["", "a&b", '"q"', "<x>", mark_safe("<b>safe</b>")])


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(INPUT_WIDGETS), attrs=attrs, name=text, value=values)
def test_inputs_are_byte_for_byte_djangos(kind, attrs, name, value):
    expected, ours = both(kind(attrs=attrs), name, value)
    assert ours == expected


@pytest.mark.django_db
def test_the_run_filter_form_renders_as_before():
    from pipelines.filters import RunFilter

    form = RunFilter(data={"q": 'hello "<world>"', "after": "2026-01-02", "user": "<me>"}).form
    ours = {name: str(form[name]) for name in form.fields}
    form.renderer = DJANGO
    assert ours == {name: str(form[name]) for name in ours}
    assert any("&quot;&lt;world&gt;&quot;" in html for html in ours.values())
