"""Defect 3 of issue 14 (regex denial of service): every text-like option has a length and count
cap, and the inputs that work each field's checks hardest are refused on that field.

The cases come from the field table (`computeenvs.options.worst`), so a new field is covered
without editing this file. Timing is not asserted here: `bench/options.py` prints it.
"""

import pytest

from computeenvs import options
from computeenvs.options import fields
from computeenvs.options.worst import OVER_CAP_CHARS, reported_on, worst_cases

CASES = list(worst_cases())


@pytest.mark.parametrize("case", CASES, ids=[f"{c.path}: {c.name}" for c in CASES])
def test_worst_case_input_is_refused_on_its_field(case):
    _, violations = options.validate(case.document)
    assert reported_on(violations, case.expect), violations


def test_every_text_like_field_has_worst_cases():
    covered = {c.path for c in CASES}
    text_like = {s.path for s in options.FIELDS if s.kind in ("str", "choice", "list", "text", "envvars")}
    assert text_like and text_like <= covered


def test_a_field_without_caps_is_refused_when_the_table_is_built():
    spec = fields.FieldSpec("forge.newList", "New list", "list", max_length=10)
    with pytest.raises(ValueError, match="max_items"):
        fields.check_caps((spec,))


def test_the_reported_item_is_refused_by_its_length_before_any_pattern_runs():
    """The 16,000-character instance type that took 6.7 s: now a length error."""
    doc = {
        "region": "eu-west-1",
        "workDir": "s3://a-b/x",
        "forge": {"maxCpus": 4, "instanceTypes": ["a" + "1" * OVER_CAP_CHARS + "!"]},
    }
    _, violations = options.validate(doc)
    assert [v.message for v in violations if v.field == "forge.instanceTypes[0]"] == [
        "Instance types is too long: at most 64 characters."
    ]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("m5", True), ("c6id", True), ("u-6tb1", True), ("m5.2xlarge", True), ("optimal", True),
        ("default_arm64", True), ("m", False), ("5m", False), ("m5.", False), ("M5", False), ("m5.x.y", False),
        ("m5.2xlarge!", False), ("mx-", False),
    ],
)  # fmt: skip
def test_instance_type_parsing_accepts_what_the_pattern_did(value, valid):
    assert options.types.is_instance_type_or_family(value) is valid


@pytest.mark.parametrize("value", ["s3://bucket/a//", "/mnt/efs/", "/", "s3://", "s3://bucket"])
def test_trailing_slashes_are_stripped_in_one_pass(value):
    expected = {"s3://bucket/a//": "s3://bucket/a", "/mnt/efs/": "/mnt/efs", "/": "/", "s3://": "s3://",
                "s3://bucket": "s3://bucket"}[value]  # fmt: skip
    assert fields.strip_trailing_slashes(value) == expected
