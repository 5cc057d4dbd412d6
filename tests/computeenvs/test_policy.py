import json
import re

import pytest

from computeenvs.policy import SECTIONS, forge_policy, manual_policy, policy_for, policy_json, policy_sections
from tests.computeenvs.golden.cases import (
    ACCOUNT_ID,
    CASES,
    PREFIX,
    assert_golden,
    base_config,
    manual_config,
    with_options,
)

ALWAYS_FORGE = [
    "BatchEnvironmentManagement",
    "BatchDescribe",
    "BatchJobManagement",
    "LaunchTemplateManagement",
    "LaunchTemplateTagging",
    "PassRolesToBatch",
    "CloudWatchLogsAccess",
    "IAMRoleAndProfileManagement",
    "EC2MetadataDescribe",
]


def sids(policy):
    return [statement["Sid"] for statement in policy["Statement"]]


def statement(policy, sid):
    return next(s for s in policy["Statement"] if s["Sid"] == sid)


def actions(policy):
    found = []
    for s in policy["Statement"]:
        found += s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_policy_matches_golden_file(case):
    account = None if case == "spot_minimal" else ACCOUNT_ID
    policy = policy_for(config=CASES[case], prefix=PREFIX, account_id=account, region=None)
    assert_golden(f"policy_{case}.json", policy_json(policy))


@pytest.mark.parametrize("case", list(CASES))
def test_policy_is_valid_and_fits_a_managed_policy(case):
    policy = policy_for(config=CASES[case], prefix=PREFIX, account_id=ACCOUNT_ID)
    assert policy["Version"] == "2012-10-17"
    assert len(sids(policy)) == len(set(sids(policy)))
    assert all(sid.isalnum() and sid in SECTIONS for sid in sids(policy))
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert len(json.dumps(policy, separators=(",", ":"))) <= 6144  # IAM managed-policy size limit


WITH_EXECUTION_ROLE = {"executionRole": "arn:aws:iam::123456789012:role/exec"}
OPTIONAL = [
    # (sections, config, expected present)
    (["S3BucketAccess", "S3ObjectAccess"], base_config(), True),
    (
        ["S3BucketAccess", "S3ObjectAccess"],
        with_options(workDir="/mnt/efs/work", forge={"efsId": "fs-1", "efsMount": "/mnt/efs"}),
        False,
    ),
    (
        ["S3BucketAccess", "S3ObjectAccess"],
        with_options(
            workDir="/mnt/efs/work", forge={"efsId": "fs-1", "efsMount": "/mnt/efs", "allowBuckets": ["s3://in"]}
        ),
        True,
    ),
    (["FetchOptimizedAMIMetadata"], base_config(), True),
    (["FetchOptimizedAMIMetadata"], with_options(forge={"imageId": "ami-1"}), False),
    (["EFSDescribe"], base_config(), False),
    (["EFSDescribe"], with_options(forge={"efsId": "fs-1", "efsMount": "/mnt/efs"}), True),
    (["EFSDescribe", "EFSManagement"], with_options(forge={"efsCreate": True, "efsMount": "/mnt/efs"}), True),
    (["EFSManagement"], with_options(forge={"efsId": "fs-1", "efsMount": "/mnt/efs"}), False),
    (["FSxDescribe"], base_config(), False),
    (
        ["FSxDescribe"],
        with_options(forge={"fsxName": "fs-1.fsx.eu-west-1.amazonaws.com", "fsxMount": "/mnt/fsx"}),
        True,
    ),
    (["FSxDescribe", "FSxManagement"], with_options(forge={"fsxSize": 1200, "fsxMount": "/mnt/fsx"}), True),
    (
        ["FSxManagement"],
        with_options(forge={"fsxName": "fs-1.fsx.eu-west-1.amazonaws.com", "fsxMount": "/mnt/fsx"}),
        False,
    ),
    # Forge creates an execution role when none is given, so Forge CEs always may use secrets.
    (["PipelineSecretsListing", "PipelineSecretsManagement"], base_config(), True),
    (["PipelineSecretsListing", "PipelineSecretsManagement"], with_options(**WITH_EXECUTION_ROLE), True),
    (["PipelineSecretsListing", "PipelineSecretsManagement"], with_options(manual_config(), executionRole=None), False),
    (["PipelineSecretsListing", "PipelineSecretsManagement"], manual_config(), True),
    (
        ["PassRolesToBatch"],
        with_options(manual_config(), executionRole=None, headJobRole=None, computeJobRole=None),
        False,
    ),
    (["PassRolesToBatch"], with_options(manual_config(), executionRole=None, headJobRole=None), True),
    (["S3BucketAccess", "S3ObjectAccess"], with_options(manual_config(), workDir="/mnt/shared/work"), False),
]


@pytest.mark.parametrize(("sections", "config", "present"), OPTIONAL)
def test_optional_section_present_exactly_when_its_option_is_used(sections, config, present):
    policy = policy_for(config=config, prefix=PREFIX, account_id=ACCOUNT_ID)
    for sid in sections:
        assert (sid in sids(policy)) is present, sid


@pytest.mark.parametrize("case", [c for c in CASES if c != "manual"])
def test_forge_sections_always_present(case):
    policy = forge_policy(config=CASES[case], prefix=PREFIX, account_id=ACCOUNT_ID, region=None)
    assert [sid for sid in sids(policy) if sid in ALWAYS_FORGE] == ALWAYS_FORGE


def test_manual_policy_creates_nothing_and_targets_the_named_queues():
    policy = manual_policy(config=manual_config(), account_id=ACCOUNT_ID, region=None)
    creating = [a for a in actions(policy) if re.search(r":(Create|Delete|Update)", a)]
    assert creating == ["s3:DeleteObject", "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret"]
    assert not any(
        a.startswith(("iam:", "ec2:", "ssm:", "fsx:", "elasticfilesystem:")) and a != "iam:PassRole"
        for a in actions(policy)
    )
    jobs = statement(policy, "BatchJobManagement")
    assert f"arn:aws:batch:eu-west-1:{ACCOUNT_ID}:job-queue/lab-head-ondemand" in jobs["Resource"]
    assert f"arn:aws:batch:eu-west-1:{ACCOUNT_ID}:job-queue/lab-work-spot" in jobs["Resource"]
    pass_role = statement(policy, "PassRolesToBatch")
    assert pass_role["Resource"] == [
        "arn:aws:iam::123456789012:role/lab-head-job",
        "arn:aws:iam::123456789012:role/lab-compute-job",
        "arn:aws:iam::123456789012:role/lab-ecs-execution",
    ]
    assert "ecs-tasks.amazonaws.com" in pass_role["Condition"]["StringEquals"]["iam:PassedToService"]


def test_forge_resources_are_scoped_to_the_prefix_account_and_region():
    policy = forge_policy(config=base_config(), prefix="AcmeForge", account_id=ACCOUNT_ID, region="us-east-2")
    assert statement(policy, "BatchEnvironmentManagement")["Resource"] == [
        f"arn:aws:batch:us-east-2:{ACCOUNT_ID}:compute-environment/AcmeForge-*",
        f"arn:aws:batch:us-east-2:{ACCOUNT_ID}:job-queue/AcmeForge-*",
    ]
    assert statement(policy, "IAMRoleAndProfileManagement")["Resource"] == [
        f"arn:aws:iam::{ACCOUNT_ID}:role/AcmeForge-*",
        f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/AcmeForge-*",
    ]
    pass_role = statement(policy, "PassRolesToBatch")
    assert pass_role["Resource"] == f"arn:aws:iam::{ACCOUNT_ID}:role/AcmeForge-*"
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": ["batch.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"]}
    }
    assert statement(policy, "CloudWatchLogsAccess")["Resource"] == [
        f"arn:aws:logs:us-east-2:{ACCOUNT_ID}:log-group:/aws/batch/job",
        f"arn:aws:logs:us-east-2:{ACCOUNT_ID}:log-group:/aws/batch/job:*",
    ]
    assert statement(policy, "PipelineSecretsManagement")["Resource"] == (
        f"arn:aws:secretsmanager:us-east-2:{ACCOUNT_ID}:secret:tower-*"
    )


def test_s3_covers_work_dir_and_allowed_bucket_paths_only():
    policy = forge_policy(config=CASES["ec2_fusion_fast_storage"], prefix=PREFIX, account_id=None, region=None)
    assert statement(policy, "S3BucketAccess")["Resource"] == [
        "arn:aws:s3:::acme-ref",
        "arn:aws:s3:::acme-results",
        "arn:aws:s3:::acme-work",
    ]
    assert statement(policy, "S3ObjectAccess")["Resource"] == [
        "arn:aws:s3:::acme-ref/genomes/*",
        "arn:aws:s3:::acme-results/*",
        "arn:aws:s3:::acme-work/nextflow/*",
    ]
    assert "s3:ListAllMyBuckets" not in actions(policy)


def test_unknown_account_and_region_become_wildcards_and_china_uses_its_partition():
    config = with_options(region=None)
    policy = forge_policy(config=config, prefix=PREFIX, account_id=None, region=None)
    assert (
        statement(policy, "BatchEnvironmentManagement")["Resource"][0]
        == "arn:aws:batch:*:*:compute-environment/TowerForge-*"
    )
    china = forge_policy(config=with_options(region="cn-north-1"), prefix=PREFIX, account_id=ACCOUNT_ID, region=None)
    assert statement(china, "BatchDescribe")["Resource"] == "*"
    assert statement(china, "BatchEnvironmentManagement")["Resource"][0].startswith("arn:aws-cn:batch:cn-north-1:")


def test_custom_log_group_scopes_logs():
    policy = manual_policy(config=manual_config(), account_id=ACCOUNT_ID, region="eu-west-1")
    assert statement(policy, "CloudWatchLogsAccess")["Resource"][0].endswith("log-group:/lab/nextflow")


def test_forge_policy_refuses_a_manual_config():
    with pytest.raises(ValueError, match="manual_policy"):
        forge_policy(config=manual_config(), prefix=PREFIX, account_id=None, region=None)


def test_sections_describe_every_statement_in_order():
    policy = policy_for(config=CASES["efs_create_fsx_create"], prefix=PREFIX)
    sections = policy_sections(policy)
    assert [sid for sid, _ in sections] == sids(policy)
    assert all(description for _, description in sections)
