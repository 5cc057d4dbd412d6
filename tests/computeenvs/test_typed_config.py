"""The typed config (`options.AwsBatchConfig`) and the field table (`options.FIELDS`) are one
source of facts: same options, same defaults; derived facts come from the typed config."""

import dataclasses

import pytest

from computeenvs import options
from computeenvs.options import FIELDS, AwsBatchConfig, ForgeConfig
from computeenvs.options.types import SERVER_MANAGED_KEYS
from tests.computeenvs.golden.cases import CASES, with_options

NOT_OPTIONS = {"forge", "given"}


def _defaults(cls) -> dict:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def test_every_field_is_an_attribute_of_the_typed_config_and_nothing_else_is():
    forge_attrs = {spec.attr for spec in FIELDS if spec.forge_only}
    top_attrs = {spec.attr for spec in FIELDS if not spec.forge_only}
    top = {f.name for f in dataclasses.fields(AwsBatchConfig)} - NOT_OPTIONS
    assert top_attrs <= top
    assert {f.name for f in dataclasses.fields(ForgeConfig)} == forge_attrs
    assert (
        top - top_attrs
        == {
            "".join("_" + c.lower() if c.isupper() else c for c in key)
            for key in SERVER_MANAGED_KEYS + options.FORGE_SERVER_MANAGED_KEYS
        }
        - top_attrs
    )


@pytest.mark.parametrize("spec", FIELDS, ids=lambda spec: spec.path)
def test_typed_default_agrees_with_the_field_table(spec):
    defaults = _defaults(ForgeConfig if spec.forge_only else AwsBatchConfig)
    typed_default = defaults[spec.attr]
    table_default = tuple(spec.default) if isinstance(spec.default, list | tuple) else spec.default
    if spec.required:
        return  # no default: validation refuses a document without it
    if spec.coupled is not None:
        # a coupled option is always present in a normalized document; the typed default is only
        # the value of an absent key, so it may be None ("derived") or the table's default
        assert typed_default in (None, table_default)
    else:
        assert typed_default == table_default


@pytest.mark.parametrize("case", [c for c in CASES if c != "manual"])
def test_resolved_option_equals_what_validate_fills_in(case):
    """For every coupled option, the typed config derives the same value `validate` writes."""
    document = CASES[case]
    normalized, _ = options.validate(document, for_create=False)
    from_raw, from_normalized = options.parse(document), options.parse(normalized)
    for spec in FIELDS:
        if spec.coupled is None or not spec.applies(True):
            continue
        raw_value = from_raw.resolved(spec.path)
        if document.get("forge", {}).get(spec.key) is None and document.get(spec.key) is None:
            assert raw_value == from_normalized.resolved(spec.path), spec.path


def test_derived_facts():
    fusion = options.parse(with_options(waveEnabled=True, fusion2Enabled=True, forge={"ebsBootSize": None}))
    assert fusion.boot_disk_gb == 100 and fusion.boot_disk_throughput == 325
    assert fusion.task_cli_path is None and fusion.ebs_autoscale_block_gb is None
    plain = options.parse(with_options())
    assert plain.task_cli_path == options.FORGE_CLI_PATH and plain.ebs_autoscale_block_gb == 50
    assert plain.forge.bid == 100
    assert options.parse(with_options(forge={"bidPercentage": 0})).forge.bid == 0
    assert plain.s3_locations == ("s3://acme-work/nextflow",)
