"""Options and rules of an AWS Batch CE (computeenvs.options): every rule passes and fails once,
defaults, enum/type errors, manual mode and server-managed keys."""

import copy
import dataclasses
import json

import pytest

from computeenvs import options
from computeenvs.options import FORGE_CLI_PATH, NON_FIELD, Violation

EFS_ID = "fs-0123456789abcdef0"
ROLE = "arn:aws:iam::123456789012:role/nf-head"


def forge_doc(forge=None, **top):
    doc = {"region": "eu-west-1", "workDir": "s3://my-bucket/work", "forge": {"maxCpus": 64, **(forge or {})}}
    doc.update(top)
    return doc


def manual_doc(**top):
    doc = {"region": "eu-west-1", "workDir": "s3://my-bucket/work", "headQueue": "head", "computeQueue": "work"}
    doc.update(top)
    return doc


def env(name, head=True, compute=False, value="1"):
    return {"name": name, "value": value, "head": head, "compute": compute}


FUSION = {"fusion2Enabled": True}
EFS_WORK = {"workDir": "/mnt/efs/work"}
FSX_DNS = "fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com"

# (rule id, passing document, failing document, field reported, message fragment)
RULE_CASES = [
    ("R1", forge_doc(**FUSION), forge_doc(**FUSION, waveEnabled=False), "waveEnabled", "needs Wave"),
    ("R2", forge_doc(nvnmeStorageEnabled=True, **FUSION), forge_doc(nvnmeStorageEnabled=True),
     "nvnmeStorageEnabled", "needs Fusion v2"),
    ("R3", forge_doc({"instanceTypes": ["c6id", "m6id.2xlarge"]}, nvnmeStorageEnabled=True, **FUSION),
     forge_doc({"instanceTypes": ["c6id", "m4"]}, nvnmeStorageEnabled=True, **FUSION),
     "forge.instanceTypes", "NVMe instance types"),
    ("R4", forge_doc(fusionSnapshots=True, **FUSION), forge_doc(fusionSnapshots=True),
     "fusionSnapshots", "need Fusion v2"),
    ("R4b", forge_doc(fusionSnapshots=True, **FUSION), forge_doc({"type": "EC2"}, fusionSnapshots=True, **FUSION),
     "fusionSnapshots", "Spot provisioning model"),
    ("R4b", forge_doc(fusionSnapshots=True, **FUSION), manual_doc(fusionSnapshots=True, **FUSION),
     "fusionSnapshots", "Batch Forge"),
    ("R5", forge_doc({"fargateHeadEnabled": True}, **FUSION), forge_doc({"fargateHeadEnabled": True}),
     "forge.fargateHeadEnabled", "Fusion v2 and the Spot"),
    ("R5", forge_doc({"fargateHeadEnabled": True}, **FUSION),
     forge_doc({"fargateHeadEnabled": True, "type": "EC2"}, **FUSION), "forge.fargateHeadEnabled", "Spot"),
    ("R6", forge_doc({"fargateHeadEnabled": True}, **FUSION),
     forge_doc({"fargateHeadEnabled": True, "fsxSize": 1200}, **FUSION), "forge.fargateHeadEnabled", "EFS or FSx"),
    ("R8", forge_doc({"arm64Enabled": True, "fargateHeadEnabled": True}, **FUSION),
     forge_doc({"arm64Enabled": True}, **FUSION), "forge.arm64Enabled", "needs Fargate"),
    ("R9", forge_doc({"arm64Enabled": True, "fargateHeadEnabled": True}, **FUSION),
     forge_doc({"arm64Enabled": True, "fargateHeadEnabled": True, "gpuEnabled": True}, **FUSION),
     "forge.arm64Enabled", "GPUs"),
    ("R11", forge_doc(**FUSION), forge_doc({"ebsAutoScale": True}, **FUSION), "forge.ebsAutoScale",
     "not compatible with Fusion v2"),
    ("R12", forge_doc({"ebsAutoScale": True, "ebsBlockSize": 100}),
     forge_doc({"ebsAutoScale": False, "ebsBlockSize": 100}), "forge.ebsBlockSize", "only applies with EBS auto"),
    ("R13", forge_doc({"efsCreate": True}, **EFS_WORK), forge_doc({"efsCreate": True, "efsId": EFS_ID}, **EFS_WORK),
     "forge.efsId", "not both"),
    ("R14", forge_doc({"dragenEnabled": True, "dragenAmiId": "ami-0123456789abcdef0"}),
     forge_doc({"dragenInstanceType": "f2.6xlarge"}), "forge.dragenInstanceType", "turn on DRAGEN"),
    ("R15", forge_doc(**FUSION), forge_doc(**FUSION, cliPath=FORGE_CLI_PATH), "cliPath", "leave the CLI path empty"),
    ("R16", forge_doc({"type": "EC2", "allocStrategy": "BEST_FIT"}),
     forge_doc({"type": "EC2", "allocStrategy": "SPOT_CAPACITY_OPTIMIZED"}), "forge.allocStrategy", "need the Spot"),
    ("R17", forge_doc({"bidPercentage": 60}), forge_doc({"type": "EC2", "bidPercentage": 60}),
     "forge.bidPercentage", "only applies to Spot"),
    ("R18", forge_doc({"minCpus": 64}), forge_doc({"minCpus": 65}), "forge.minCpus", "cannot be greater than Max"),
    ("R21", forge_doc(workDir="s3://my.bucket-01/a/b"), forge_doc(workDir="s3://My_Bucket/work"), "workDir",
     "valid bucket name"),
    ("R21", forge_doc(workDir="s3://my-bucket"), forge_doc(workDir="mnt/efs/work"), "workDir", "s3://bucket[/path]"),
    ("R21", forge_doc(workDir="s3://my-bucket"), forge_doc(workDir="s3://192.168.1.1/x"), "workDir", "bucket"),
    ("R21", forge_doc(workDir="s3://my-bucket"), forge_doc(workDir="s3://my-bucket//x"), "workDir", "bucket"),
    ("R21b", manual_doc(), manual_doc(workDir="/mnt/efs/work"), "workDir", "In Manual mode"),
    ("R21c", forge_doc({"efsId": EFS_ID}, **EFS_WORK), forge_doc(**EFS_WORK), "workDir", "inside the EFS or FSx"),
    ("R21c", forge_doc({"fsxSize": 1200, "fsxMount": "/lustre"}, workDir="/lustre/work"),
     forge_doc({"fsxSize": 1200}, workDir="/mnt/fsxwork"), "workDir", "inside the EFS or FSx"),
    ("R25", forge_doc({"fsxSize": 4800}), forge_doc({"fsxSize": 3000}), "forge.fsxSize", "multiple of 2,400"),
    ("R25", forge_doc({"fsxSize": 1200}), forge_doc({"fsxSize": 0}), "forge.fsxSize", "1,200 GB"),
    ("R30", forge_doc(environment=[env("A", head=False, compute=True)]),
     forge_doc(environment=[env("A"), env("B", head=False, compute=False)]), "environment[1].head",
     "head job, the compute jobs or both"),
    ("R31", forge_doc(preRunScript="x" * 1024), forge_doc(preRunScript="x" * 1025), "preRunScript", "1024 bytes"),
    ("R31", forge_doc(postRunScript="é" * 512), forge_doc(postRunScript="é" * 513), "postRunScript", "1024 bytes"),
    ("R32", manual_doc(cliPath="/opt/aws/bin/aws"), manual_doc(cliPath="/usr/local/awscli"), "cliPath", "/bin/aws"),
    ("R32", manual_doc(cliPath="/opt/aws/bin/aws"), manual_doc(cliPath="bin/aws"), "cliPath", "absolute path"),
    ("R40", forge_doc({"ecsConfig": "# tuned\nECS_CONTAINER_STOP_TIMEOUT=10m\n"}),
     forge_doc({"ecsConfig": "ECS_CONTAINER_STOP_TIMEOUT=10m\nECS_IMAGE_PULL_BEHAVIOR=always"}),
     "forge.ecsConfig", "ECS_IMAGE_PULL_BEHAVIOR"),
    ("X-ecs-format", forge_doc({"ecsConfig": "ECS_ENABLE_GPU_SUPPORT=true"}),
     forge_doc({"ecsConfig": "enable gpu please"}), "forge.ecsConfig", "KEY=value"),
    ("X-fusion-v1", forge_doc({"fusionEnabled": False}), forge_doc({"fusionEnabled": True}), "forge.fusionEnabled",
     "deprecated"),
    ("X-fusion-s3", forge_doc(**FUSION), forge_doc({"efsCreate": True}, **FUSION, **EFS_WORK), "fusion2Enabled",
     "S3 work directory"),
    ("X-vpc", forge_doc({"vpcId": "vpc-0123456789abcdef0", "subnets": ["subnet-0123456789abcdef0"]}),
     forge_doc({"securityGroups": ["sg-0123456789abcdef0"]}), "forge.vpcId", "enter the VPC ID"),
    ("X-efs-mount", forge_doc({"efsId": EFS_ID, "efsMount": "/efs"}), forge_doc({"efsMount": "/efs"}),
     "forge.efsMount", "no EFS file system"),
    ("X-fsx-mount", forge_doc({"fsxName": FSX_DNS, "fsxMount": "/fsx"}), forge_doc({"fsxMount": "/fsx"}),
     "forge.fsxMount", "no FSx file system"),
    ("X-fsx-one", forge_doc({"fsxName": FSX_DNS}), forge_doc({"fsxName": FSX_DNS, "fsxSize": 1200}),
     "forge.fsxSize", "not both"),
    ("X-fsx-region", forge_doc({"fsxName": FSX_DNS}), forge_doc({"fsxName": FSX_DNS}, region="us-east-1"),
     "forge.fsxName", "region"),
    ("X-queue-region", manual_doc(headQueue="arn:aws:batch:eu-west-1:123456789012:job-queue/head"),
     manual_doc(headQueue="arn:aws:batch:us-east-1:123456789012:job-queue/head"), "headQueue", "another region"),
    ("X-env-duplicate", forge_doc(environment=[env("A"), env("A", head=False, compute=True)]),
     forge_doc(environment=[env("A", compute=True), env("B"), env("A", head=False, compute=True)]),
     "environment[2].name", "already set"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "passing", "failing", "field", "fragment"),
    RULE_CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(RULE_CASES)],
)
def test_rule_passes_and_fails(rule_id, passing, failing, field, fragment):
    normalized, violations = options.validate(copy.deepcopy(passing))
    assert violations == []
    assert options.check(options.parse(normalized)) == []

    normalized, violations = options.validate(copy.deepcopy(failing))
    assert [v for v in violations if v.field == field and fragment in v.message], violations
    rule = next(r for r in options.RULES if r.id == rule_id)
    assert any(v.field == field for v in rule.check(options.parse(normalized)))


def test_every_rule_has_a_case():
    assert {rule.id for rule in options.RULES} == {case[0] for case in RULE_CASES}


def test_rule_ids_are_unique_and_fields_known():
    ids = [rule.id for rule in options.RULES]
    assert len(ids) == len(set(ids))
    for rule in options.RULES + options.WARNINGS:
        for path in rule.fields:
            assert path in options.FIELD_BY_PATH, (rule.id, path)


def test_a_rule_is_not_reported_on_top_of_a_field_error():
    _, violations = options.validate(forge_doc({"efsId": "not-an-id"}, **EFS_WORK))
    assert [v.field for v in violations] == ["forge.efsId"]


# (warning id, quiet document, document that warns, field, fragment)
WARNING_CASES = [
    ("R3", forge_doc({"instanceTypes": ["c6id", "i4i", "m6gd"]}, nvnmeStorageEnabled=True, **FUSION),
     forge_doc({"instanceTypes": ["c6i"]}, nvnmeStorageEnabled=True, **FUSION), "forge.instanceTypes", "NVMe"),
    ("R7", forge_doc({"fargateHeadEnabled": True}, **FUSION),
     forge_doc({"fargateHeadEnabled": True}, headJobCpus=32, **FUSION), "forge.fargateHeadEnabled", "16 head job"),
    ("R19", forge_doc({"instanceTypes": [f"m{i}" for i in range(1, 21)]}),
     forge_doc({"instanceTypes": [f"m{i}" for i in range(1, 22)]}), "forge.instanceTypes", "at most 20"),
    ("R22", forge_doc(), forge_doc({"efsCreate": True}, **EFS_WORK), "workDir", "Studios"),
    ("R23", forge_doc({"efsCreate": True, "vpcId": "vpc-0123456789abcdef0", "securityGroups": ["sg-01234567"]}),
     forge_doc({"efsCreate": True}), "forge.securityGroups", "NFS"),
    ("R24", forge_doc({"fsxSize": 1200}), forge_doc({"fsxSize": 1200, "imageId": "ami-01234567"}), "forge.imageId",
     "Lustre"),
    ("R26", forge_doc({"gpuEnabled": True, "instanceTypes": ["g5", "m5"]}), forge_doc({"gpuEnabled": True}),
     "forge.instanceTypes", "GPU instance types"),
    ("R26b", forge_doc({"imageId": "ami-01234567"}), forge_doc({"gpuEnabled": True, "imageId": "ami-01234567"}),
     "forge.imageId", "NVIDIA"),
    ("R29", manual_doc(executionRole=ROLE), manual_doc(), "executionRole", "secrets"),
]  # fmt: skip


@pytest.mark.parametrize(("warning_id", "quiet", "noisy", "field", "fragment"), WARNING_CASES)
def test_warnings_advise_without_blocking(warning_id, quiet, noisy, field, fragment):
    normalized, violations = options.validate(quiet)
    assert violations == []
    assert [w for w in options.warnings(options.parse(normalized)) if w.field == field] == []

    normalized, violations = options.validate(noisy)
    assert violations == []
    warned = [w for w in options.warnings(options.parse(normalized)) if w.field == field and fragment in w.message]
    assert warned, options.warnings(options.parse(normalized))


def test_every_warning_has_a_case():
    assert {rule.id for rule in options.WARNINGS} == {case[0] for case in WARNING_CASES}


# ---------------------------------------------------------------- defaults and coupling


def test_forge_defaults():
    normalized, violations = options.validate(forge_doc())
    assert violations == []
    forge = normalized["forge"]
    assert normalized["headJobMemoryMb"] == 4096
    assert normalized["headJobCpus"] == 1
    assert normalized["logGroup"] == "/aws/batch/job"
    assert normalized["cliPath"] == FORGE_CLI_PATH
    assert normalized["waveEnabled"] is False and normalized["environment"] == []
    assert forge["type"] == "SPOT"
    assert forge["allocStrategy"] == "SPOT_PRICE_CAPACITY_OPTIMIZED"
    assert forge["disposeOnDeletion"] is True
    assert forge["minCpus"] == 0
    assert forge["ebsAutoScale"] is True and forge["ebsBlockSize"] == 50 and forge["ebsBootSize"] == 50
    assert "bidPercentage" not in forge and "efsMount" not in forge and "vpcId" not in forge


@pytest.mark.parametrize(
    ("model", "strategy"), [("SPOT", "SPOT_PRICE_CAPACITY_OPTIMIZED"), ("EC2", "BEST_FIT_PROGRESSIVE")]
)
def test_allocation_strategy_defaults_by_provisioning_model(model, strategy):
    normalized, _ = options.validate(forge_doc({"type": model}))
    assert normalized["forge"]["allocStrategy"] == strategy


def test_fusion_v2_coupled_defaults():
    normalized, violations = options.validate(forge_doc(**FUSION))
    assert violations == []
    assert normalized["waveEnabled"] is True
    assert normalized["forge"]["ebsAutoScale"] is False
    assert "ebsBlockSize" not in normalized["forge"]
    assert normalized["forge"]["ebsBootSize"] == 100
    assert "cliPath" not in normalized


def test_fusion_v2_with_fast_storage_keeps_default_boot_disk():
    normalized, violations = options.validate(forge_doc(nvnmeStorageEnabled=True, **FUSION))
    assert violations == []
    assert normalized["forge"]["ebsBootSize"] == 50


def test_explicit_values_are_never_changed_by_coupling():
    normalized, violations = options.validate(forge_doc({"ebsBootSize": 60, "allocStrategy": "BEST_FIT"}, **FUSION))
    assert violations == []
    assert normalized["forge"]["ebsBootSize"] == 60
    assert normalized["forge"]["allocStrategy"] == "BEST_FIT"


def test_file_system_mounts_default_when_used():
    normalized, violations = options.validate(forge_doc({"efsCreate": True, "fsxName": FSX_DNS}, **EFS_WORK))
    assert violations == []
    assert normalized["forge"]["efsMount"] == "/mnt/efs"
    assert normalized["forge"]["fsxMount"] == "/mnt/fsx"


def test_manual_defaults_have_no_forge_only_values():
    normalized, violations = options.validate(manual_doc())
    assert violations == []
    assert "forge" not in normalized and "cliPath" not in normalized
    assert normalized["headQueue"] == "head" and normalized["computeQueue"] == "work"
    assert normalized["headJobMemoryMb"] == 4096


def test_default_document_of_each_mode():
    assert options.default_document(forge=True)["forge"]["disposeOnDeletion"] is True
    assert "forge" not in options.default_document(forge=False)


# ---------------------------------------------------------------- normalization


def test_work_dir_trailing_slash_is_stripped():
    normalized, violations = options.validate(forge_doc(workDir="  s3://my-bucket/work//  "))
    assert violations == []
    assert normalized["workDir"] == "s3://my-bucket/work"


def test_blank_strings_count_as_not_sent():
    normalized, violations = options.validate(
        forge_doc({"vpcId": "  ", "imageId": ""}, headJobRole="", preRunScript=" \n")
    )
    assert violations == []
    assert "vpcId" not in normalized["forge"] and "headJobRole" not in normalized and "preRunScript" not in normalized


def test_scripts_get_unix_line_endings():
    normalized, _ = options.validate(forge_doc(preRunScript="export A=1\r\necho $A\r\n"))
    assert normalized["preRunScript"] == "export A=1\necho $A\n"


def test_unknown_keys_are_dropped():
    normalized, violations = options.validate(forge_doc({"shiny": 1}, discriminator="aws-batch", lustreId="x", extra=2))
    assert violations == []
    assert {"extra", "lustreId", "discriminator"}.isdisjoint(normalized)
    assert "shiny" not in normalized["forge"]


def test_server_managed_keys_are_dropped_on_create():
    sent = forge_doc(
        headQueue="TowerForge-x-head",
        computeQueue="TowerForge-x-work",
        forgedResources=[{"IamRole": "arn"}],
        volumes=["/mnt/efs:/mnt/efs"],
        dragenQueue="q",
    )
    normalized, violations = options.validate(sent)
    assert violations == []
    for key in ("headQueue", "computeQueue", "forgedResources", "volumes", "dragenQueue"):
        assert key not in normalized


def test_server_managed_keys_are_kept_for_a_stored_document():
    stored = forge_doc(headQueue="TowerForge-x-head", computeQueue="TowerForge-x-work", forgedResources=[{"a": "b"}])
    normalized, violations = options.validate(stored, for_create=False)
    assert violations == []
    assert normalized["headQueue"] == "TowerForge-x-head"
    assert normalized["forgedResources"] == [{"a": "b"}]
    config = options.parse(normalized)
    assert config.head_queue == "TowerForge-x-head" and config.forged_resources == ({"a": "b"},)


def test_parse_gives_a_frozen_typed_config():
    normalized, _ = options.validate(
        forge_doc({"subnets": ["subnet-0123456789abcdef0"], "vpcId": "vpc-01234567"}, environment=[env("NXF_OPTS")])
    )
    config = options.parse(normalized)
    assert config.is_forge and config.mode == "forge" and config.work_dir_bucket == "my-bucket"
    assert config.forge.subnets == ("subnet-0123456789abcdef0",)
    assert config.environment == (options.EnvVar("NXF_OPTS", "1", True, False),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.region = "us-east-1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.forge.max_cpus = 1


def test_env_var_targets_default_to_head_only():
    normalized, violations = options.validate(forge_doc(environment=[{"name": "NXF_VER", "value": "24.10.0"}]))
    assert violations == []
    assert normalized["environment"] == [{"name": "NXF_VER", "value": "24.10.0", "head": True, "compute": False}]


# ---------------------------------------------------------------- field errors


@pytest.mark.parametrize(
    ("doc", "field", "fragments"),
    [
        (forge_doc({"type": "spot"}), "forge.type", ["'spot'", "SPOT, EC2"]),
        (forge_doc({"allocStrategy": "FASTEST"}), "forge.allocStrategy", ["BEST_FIT, BEST_FIT_PROGRESSIVE"]),
        (forge_doc(region="mars-north-1"), "region", ["eu-west-1", "us-east-1"]),
        (forge_doc({"type": ["SPOT"]}), "forge.type", ["must be text"]),
    ],
)
def test_unknown_enum_values_name_the_field_and_list_the_allowed_values(doc, field, fragments):
    _, violations = options.validate(doc)
    messages = [v.message for v in violations if v.field == field]
    assert messages and all(fragment in messages[0] for fragment in fragments), violations


@pytest.mark.parametrize(
    ("doc", "field", "fragment"),
    [
        (forge_doc({"maxCpus": "64"}), "forge.maxCpus", "whole number"),
        (forge_doc({"maxCpus": 0}), "forge.maxCpus", "between 1"),
        (forge_doc({"maxCpus": 2.5}), "forge.maxCpus", "whole number"),
        (forge_doc({"maxCpus": True}), "forge.maxCpus", "whole number"),
        (forge_doc({"minCpus": -1}), "forge.minCpus", "between 0"),
        (forge_doc(waveEnabled="true"), "waveEnabled", "true or false"),
        (forge_doc(headJobMemoryMb=128), "headJobMemoryMb", "between 256"),
        (forge_doc(headJobCpus=0), "headJobCpus", "between 1"),
        (forge_doc({"bidPercentage": 101}), "forge.bidPercentage", "between 0 and 100"),
        (forge_doc({"ebsBootSize": 10}), "forge.ebsBootSize", "between 30"),
        (forge_doc({"subnets": "subnet-0123456789abcdef0"}), "forge.subnets", "list"),
        (forge_doc({"subnets": ["subnet-01234567", "subnet-nope"], "vpcId": "vpc-01234567"}), "forge.subnets[1]",
         "subnet-0123456789abcdef0"),
        (forge_doc({"securityGroups": ["sg-01234567", "sg-01234567"], "vpcId": "vpc-01234567"}),
         "forge.securityGroups[1]", "listed twice"),
        (forge_doc({"vpcId": "vpc_123"}), "forge.vpcId", "vpc-0123456789abcdef0"),
        (forge_doc({"imageId": "ami-XYZ"}), "forge.imageId", "ami-"),
        (forge_doc({"efsId": "efs-1"}), "forge.efsId", "fs-"),
        (forge_doc({"fsxName": "my-fsx"}), "forge.fsxName", ".fsx."),
        (forge_doc({"efsCreate": True, "efsMount": "mnt/efs"}, workDir="/mnt/efs/work"), "forge.efsMount", "/mnt/efs"),
        (forge_doc({"allowBuckets": ["my-bucket"]}), "forge.allowBuckets[0]", "s3://"),
        (forge_doc({"instanceTypes": ["M5.Large"]}), "forge.instanceTypes[0]", "m5"),
        (forge_doc({"dragenInstanceType": "f2"}), "forge.dragenInstanceType", "f2.6xlarge"),
        (forge_doc(headJobRole="my-role"), "headJobRole", "arn:aws:iam::"),
        (forge_doc(executionRole="arn:aws:iam::123:role/x"), "executionRole", "arn:aws:iam::"),
        (forge_doc(logGroup="my logs"), "logGroup", "/aws/batch/job"),
        (forge_doc(nextflowConfig="x" * (64 * 1024 + 1)), "nextflowConfig", "64 KB"),
        (forge_doc(preRunScript=12), "preRunScript", "must be text"),
        (forge_doc(environment={"A": "1"}), "environment", "list"),
        (forge_doc(environment=["A=1"]), "environment[0]", "object"),
        (forge_doc(environment=[env("1BAD")]), "environment[0].name", "start with a letter"),
        (forge_doc(environment=[env("A", head="yes")]), "environment[0].head", "true or false"),
        (forge_doc(environment=[env("A", value=5)]), "environment[0].value", "text"),
        (forge_doc(forge=None) | {"forge": "spot"}, "forge", "object"),
        (forge_doc(discriminator="google-batch"), "discriminator", "aws-batch"),
        (manual_doc(headQueue="my queue"), "headQueue", "job-queue ARN"),
    ],
)  # fmt: skip
def test_field_errors_name_the_field(doc, field, fragment):
    _, violations = options.validate(doc)
    assert [v for v in violations if v.field == field and fragment in v.message], violations


@pytest.mark.parametrize(
    ("doc", "missing"),
    [
        ({"forge": {"maxCpus": 4}}, ["region", "workDir"]),
        ({"region": "eu-west-1", "workDir": "s3://b-1", "forge": {}}, ["forge.maxCpus"]),
        ({"region": "eu-west-1", "workDir": "s3://b-1"}, ["headQueue", "computeQueue"]),
        (
            {"region": "eu-west-1", "workDir": "s3://b-1", "headQueue": " ", "computeQueue": None},
            ["headQueue", "computeQueue"],
        ),
    ],
)
def test_required_fields(doc, missing):
    _, violations = options.validate(doc)
    assert sorted(v.field for v in violations) == sorted(missing)
    assert all("is required" in v.message for v in violations)


def test_manual_mode_accepts_roles_and_queue_arns():
    doc = manual_doc(
        headQueue="arn:aws:batch:eu-west-1:123456789012:job-queue/head-q",
        headJobRole=ROLE,
        computeJobRole="arn:aws:iam::123456789012:role/path/to/task",
        executionRole="arn:aws:iam::123456789012:role/exec",
        cliPath="/home/ec2-user/miniconda/bin/aws",
        waveEnabled=True,
        fusion2Enabled=True,
    )
    normalized, violations = options.validate(doc)
    assert violations == []
    assert normalized["headJobRole"] == ROLE and normalized["cliPath"] == "/home/ec2-user/miniconda/bin/aws"


def test_manual_mode_ignores_forge_only_keys_at_top_level():
    normalized, violations = options.validate(manual_doc(arm64Enabled=True, fargateHeadEnabled=True))
    assert violations == []
    assert "arm64Enabled" not in normalized and "fargateHeadEnabled" not in normalized


def test_not_an_object_is_a_violation_not_an_error():
    normalized, violations = options.validate(["region"])
    assert violations[0] == Violation(NON_FIELD, "The compute environment configuration must be a JSON object.")
    assert normalized == options.validate({})[0]


# ---------------------------------------------------------------- tables for the form


def test_fields_table_is_complete_and_consistent():
    paths = [spec.path for spec in options.FIELDS]
    assert len(paths) == len(set(paths))
    groups = {
        "general",
        "workdir",
        "wavefusion",
        "forge",
        "storage",
        "networking",
        "staging",
        "environment",
        "advanced",
    }
    kinds = {"bool", "int", "str", "text", "list", "choice", "envvars"}
    for spec in options.FIELDS:
        assert spec.group in groups and spec.kind in kinds and spec.help, spec.path
        assert spec.forge_only == spec.path.startswith("forge."), spec.path
        if spec.kind == "choice":
            assert spec.choices
    aws_batch_config = {
        "cliPath",
        "computeJobRole",
        "computeQueue",
        "environment",
        "executionRole",
        "fusion2Enabled",
        "fusionSnapshots",
        "headJobCpus",
        "headJobMemoryMb",
        "headJobRole",
        "headQueue",
        "logGroup",
        "nextflowConfig",
        "nvnmeStorageEnabled",
        "postRunScript",
        "preRunScript",
        "region",
        "waveEnabled",
        "workDir",
    }
    forge_config = {
        "allocStrategy", "allowBuckets", "arm64Enabled", "bidPercentage", "disposeOnDeletion", "dragenAmiId",
        "dragenEnabled", "dragenInstanceType", "ebsAutoScale", "ebsBlockSize", "ebsBootSize", "ec2KeyPair",
        "ecsConfig", "efsCreate", "efsId", "efsMount", "fargateHeadEnabled", "fsxMount", "fsxName", "fsxSize",
        "fusionEnabled", "gpuEnabled", "imageId", "instanceTypes", "maxCpus", "minCpus", "securityGroups", "subnets",
        "type", "vpcId",
    }  # fmt: skip
    assert set(paths) == aws_batch_config | {f"forge.{key}" for key in forge_config}
    assert options.FIELD_BY_PATH["forge.type"].choice_values == options.PROVISIONING_MODELS
    assert options.FIELD_BY_PATH["forge.allocStrategy"].choice_values == options.ALLOC_STRATEGIES
    assert options.FIELD_BY_PATH["region"].choice_values == options.REGIONS
    assert options.FIELD_BY_PATH["headJobMemoryMb"].default == 4096


def test_client_rules_are_json_and_reference_known_fields():
    rules = json.loads(json.dumps(options.client_rules()))
    known = set(options.FIELD_BY_PATH) | {"mode"}
    assert {"R1", "R2", "R5", "R8", "R11", "R15", "R16"} <= {rule["id"] for rule in rules}
    for rule in rules:
        assert ("requires" in rule) != ("excludes" in rule)
        assert set(rule["when"]) | set(rule.get("requires") or rule.get("excludes")) <= known
        assert rule["message"] and rule["field"] in options.FIELD_BY_PATH
    r1 = next(rule for rule in rules if rule["id"] == "R1")
    assert r1 == {
        "id": "R1",
        "field": "waveEnabled",
        "message": r1["message"],
        "when": {"fusion2Enabled": True},
        "requires": {"waveEnabled": True},
        "auto": True,
    }


SAMPLE_VALUES = {
    "forge.efsId": EFS_ID,
    "forge.fsxName": FSX_DNS,
    "forge.fsxSize": 1200,
}


@pytest.mark.parametrize("hint", options.client_defaults(), ids=lambda hint: f"{hint['field']}-{list(hint['when'])}")
def test_client_defaults_match_the_server(hint):
    def value_of(document, path):
        normalized, _ = options.validate(document)
        section, _, key = path.rpartition(".")
        return (normalized.get("forge", {}) if section else normalized).get(key)

    flipped = {"EC2": "SPOT", "forge": "forge", "*": None}
    when = {path: SAMPLE_VALUES.get(path, value) for path, value in hint["when"].items()}
    opposite = {path: not v if isinstance(v, bool) else flipped[v] for path, v in hint["when"].items()}

    def build(condition):
        doc = forge_doc(workDir="/mnt/efs/work" if "forge.efs" in str(condition) else "s3://my-bucket/work")
        for path, value in condition.items():
            if path == "mode":
                continue
            section, _, key = path.rpartition(".")
            if value is not None:
                (doc["forge"] if section else doc)[key] = value
        return doc

    assert value_of(build(when), hint["field"]) == hint["value"]
    assert value_of(build(opposite), hint["field"]) == hint["otherwise"]
