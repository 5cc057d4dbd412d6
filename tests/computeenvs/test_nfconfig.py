import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from computeenvs.forge.plan import queue_names
from computeenvs.nfconfig import groovy_string, nextflow_config
from tests.computeenvs.golden.cases import CASES, CE_ID, PREFIX, assert_golden, base_config, manual_config, with_options

WORK_QUEUE = queue_names(PREFIX, CE_ID)["computeQueue"]


def render(config, queue=WORK_QUEUE):
    return nextflow_config(config=config, compute_queue=queue)


@pytest.mark.parametrize("case", list(CASES))
def test_nextflow_config_matches_golden_file(case):
    assert_golden(f"nfconfig_{case}.config", render(CASES[case]))


def test_minimal_forge_config():
    assert render(base_config()) == (
        "process.executor = 'awsbatch'\n"
        f"process.queue = '{WORK_QUEUE}'\n"
        "aws.region = 'eu-west-1'\n"
        "aws.batch.cliPath = '/home/ec2-user/miniconda/bin/aws'\n"
        "workDir = 's3://acme-work/nextflow'\n"
        "cloudcache {\n"
        "    enabled = true\n"
        "    path = 's3://acme-work/nextflow/cloudcache/.cache'\n"
        "}\n"
    )


def test_queue_from_config_wins_and_a_missing_queue_is_an_error():
    assert "process.queue = 'lab-work-spot'" in render(manual_config(), queue="ignored")
    with pytest.raises(ValueError, match="compute queue"):
        nextflow_config(config=base_config())


def test_cloudcache_only_for_s3_work_dir():
    assert "cloudcache" not in render(CASES["efs_create_fsx_create"])
    assert "workDir = '/mnt/efs/work'" in render(CASES["efs_create_fsx_create"])


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (base_config(), "/home/ec2-user/miniconda/bin/aws"),
        (with_options(cliPath="/opt/bin/aws"), "/opt/bin/aws"),
        (with_options(cliPath="/opt/bin/aws", waveEnabled=True, fusion2Enabled=True), None),
        (CASES["fargate_head_graviton"], None),
        (manual_config(), "/opt/aws-cli/bin/aws"),
        (with_options(manual_config(), cliPath=None), None),
    ],
)
def test_cli_path_only_when_tasks_need_the_host_cli(config, expected):
    lines = [line for line in render(config).splitlines() if line.startswith("aws.batch.cliPath")]
    assert lines == ([f"aws.batch.cliPath = '{expected}'"] if expected else [])


def test_switches_roles_log_group_and_volumes():
    text = render(CASES["ec2_fusion_fast_storage"])
    for line in (
        "wave.enabled = true",
        "fusion.enabled = true",
        "process.scratch = false",
        "aws.batch.jobRole = 'arn:aws:iam::123456789012:role/acme-compute-job'",
        "aws.batch.executionRole = 'arn:aws:iam::123456789012:role/acme-ecs-execution'",
        "aws.batch.logsGroup = '/acme/nextflow'",
    ):
        assert line in text.splitlines()
    assert "fusion.snapshots = true" in render(CASES["fargate_head_graviton"]).splitlines()
    assert "logsGroup" not in render(base_config())
    assert "aws.batch.volumes = ['/mnt/efs', '/mnt/fsx']" in render(CASES["efs_create_fsx_create"]).splitlines()


def test_only_compute_variables_go_to_env_block_and_global_config_comes_last():
    text = render(CASES["ec2_fusion_fast_storage"])
    assert "env {\n    REF_BUCKET = 'it\\'s \\\\here\\\\'\n}\n" in text
    assert "NXF_JVM_ARGS" not in text
    assert text.endswith("process {\n    errorStrategy = 'retry'\n    maxRetries = 2\n}\n")
    manual = render(manual_config())
    assert "LAB_REF = 's3://acme-ref/GRCh38'" in manual and "NXF_OPTS" not in manual


def test_invalid_variable_name_is_refused():
    config = with_options(environment=[{"name": "BAD-NAME", "value": "x", "head": False, "compute": True}])
    with pytest.raises(ValueError, match="BAD-NAME"):
        render(config)


def test_values_cannot_break_out_of_their_string():
    config = with_options(workDir="s3://b/x'\nprocess.executor = 'local")
    lines = render(config).splitlines()
    assert "process.executor = 'local'" not in lines
    assert lines[4] == "workDir = 's3://b/x\\'\\nprocess.executor = \\'local'"


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    table = {"\\": "\\", "'": "'", "n": "\n", "r": "\r", "t": "\t"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1] == "u":
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(table[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


@given(st.text())
def test_groovy_string_round_trips_and_stays_one_literal(value):
    literal = groovy_string(value)
    assert _unescape(literal) == value
    assert "\n" not in literal and "\r" not in literal
    assert not re.search(r"(?<!\\)(\\\\)*'", literal[1:-1])


def test_output_is_deterministic():
    assert render(CASES["ec2_fusion_fast_storage"]) == render(CASES["ec2_fusion_fast_storage"])
