"""Properties of the derived Forge names (quality.md §3.4)."""

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from computeenvs.forge.plan import MAX_PREFIX_LENGTH, NAME_RULES, STEPS, build_plan, forge_names
from tests.computeenvs.golden.cases import with_options

ce_ids = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=22, max_size=22)
prefixes = st.from_regex(
    re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_PREFIX_LENGTH - 1}}}", re.ASCII), fullmatch=True
)
EVERYTHING = with_options(
    forge={
        "efsCreate": True,
        "efsMount": "/mnt/efs",
        "fsxSize": 2400,
        "fsxMount": "/mnt/fsx",
        "dragenEnabled": True,
        "dragenInstanceType": "f1.4xlarge",
    }
)


@settings(max_examples=200)
@given(prefix=prefixes, ce_id=ce_ids)
def test_every_derived_name_is_within_its_aws_limit(prefix, ce_id):
    for step, name in forge_names(prefix, ce_id).items():
        rule = NAME_RULES[STEPS[step][0]]
        assert rule.min_length <= len(name) <= rule.max_length
        assert rule.pattern.match(name)


@settings(max_examples=100)
@given(prefix=prefixes, ce_id=ce_ids)
def test_plan_names_are_deterministic(prefix, ce_id):
    def plan():
        return build_plan(ce_id=ce_id, config=EVERYTHING, labels={"team": "a"}, prefix=prefix, workspace_id=1)

    assert plan() == plan()
    assert {(r.step, r.name) for r in plan()} <= set(forge_names(prefix, ce_id).items())


@settings(max_examples=200)
@given(prefix=prefixes, first=ce_ids, second=ce_ids)
def test_names_are_injective_after_lowercasing_per_aws_namespace(prefix, first, second):
    keys = [(STEPS[step][0], name.lower()) for step, name in forge_names(prefix, first).items()]
    if first != second:
        keys += [(STEPS[step][0], name.lower()) for step, name in forge_names(prefix, second).items()]
    assert len(keys) == len(set(keys))
