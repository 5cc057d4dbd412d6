"""`reverse_cached` answers what `reverse` answers, per URLconf and script prefix, and remembers
no error."""

import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix, set_urlconf

from seqera.routes import reverse_cached

ROUTES = [
    ("computeenvs:detail", {"org": "acme", "workspace": "lab", "pk": "abc123"}),
    ("computeenvs:list", {"org": "acme", "workspace": "lab"}),
    ("pipelines:run_detail", {"org": "acme", "workspace": "lab", "pk": "4Hx9"}),
    ("workspaces:workspace_detail", {"org": "a-b", "workspace": "c_d"}),
]


@pytest.mark.parametrize(("name", "kwargs"), ROUTES)
def test_same_answer_as_reverse_twice(name, kwargs):
    assert reverse_cached(name, kwargs) == reverse(name, kwargs=kwargs)
    assert reverse_cached(name, kwargs) == reverse(name, kwargs=kwargs)


def test_the_script_prefix_and_the_urlconf_are_part_of_the_answer():
    name, kwargs = ROUTES[0]
    plain = reverse_cached(name, kwargs)
    set_script_prefix("/seqera/")
    try:
        assert reverse_cached(name, kwargs) == "/seqera" + plain == reverse(name, kwargs=kwargs)
    finally:
        clear_script_prefix()
        set_script_prefix("/")
    assert reverse_cached(name, kwargs) == plain
    set_urlconf("bench.urls")
    try:
        assert reverse_cached("bench-floor", {}) == reverse("bench-floor", urlconf="bench.urls")
    finally:
        set_urlconf(None)
    with pytest.raises(NoReverseMatch):
        reverse_cached("bench-floor", {})


def test_errors_are_raised_every_time_and_unhashable_arguments_still_answer():
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reverse_cached("computeenvs:detail", {"org": "acme", "workspace": "lab", "pk": "no/slash"})

    class Unhashable:
        __hash__ = None

        def __str__(self):
            return "abc123"

    kwargs = {"org": "acme", "workspace": "lab", "pk": Unhashable()}
    assert reverse_cached("computeenvs:detail", kwargs) == reverse("computeenvs:detail", kwargs=kwargs)
