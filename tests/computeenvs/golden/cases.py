"""Hand-written normalized config documents (defaults filled in, as options.validate returns them)
for the golden-file tests of the Forge plan, the IAM policy and the Nextflow config."""

import copy
import json
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent
CE_ID = "k3v9x2m7q4w8z1c6b5n0pa"
PREFIX = "TowerForge"
WORKSPACE_ID = 42
ACCOUNT_ID = "123456789012"


def base_config() -> dict:
    """A complete Batch Forge document: SPOT, 64 vCPUs, S3 work dir, every option at its default."""
    return {
        "region": "eu-west-1",
        "workDir": "s3://acme-work/nextflow",
        "headJobCpus": None,
        "headJobMemoryMb": 4096,
        "headJobRole": None,
        "computeJobRole": None,
        "executionRole": None,
        "cliPath": None,
        "logGroup": "/aws/batch/job",
        "preRunScript": None,
        "postRunScript": None,
        "nextflowConfig": None,
        "environment": [],
        "waveEnabled": False,
        "fusion2Enabled": False,
        "nvnmeStorageEnabled": False,
        "fusionSnapshots": False,
        "forge": {
            "type": "SPOT",
            "minCpus": 0,
            "maxCpus": 64,
            "allocStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED",
            "instanceTypes": [],
            "gpuEnabled": False,
            "arm64Enabled": False,
            "fargateHeadEnabled": False,
            "vpcId": None,
            "subnets": [],
            "securityGroups": [],
            "imageId": None,
            "ec2KeyPair": None,
            "ebsAutoScale": True,
            "ebsBlockSize": 50,
            "ebsBootSize": 50,
            "bidPercentage": None,
            "allowBuckets": [],
            "efsCreate": False,
            "efsId": None,
            "efsMount": None,
            "fsxName": None,
            "fsxSize": None,
            "fsxMount": None,
            "disposeOnDeletion": True,
            "ecsConfig": None,
            "dragenEnabled": False,
            "dragenAmiId": None,
            "dragenInstanceType": None,
            "fusionEnabled": False,
        },
    }


def with_options(config: dict | None = None, *, forge: dict | None = None, **top) -> dict:
    """A copy of `config` (default: base_config()) with top-level and forge keys replaced."""
    doc = copy.deepcopy(config or base_config())
    doc.update(top)
    if forge:
        doc["forge"].update(forge)
    return doc


def manual_config() -> dict:
    doc = with_options(
        headQueue="lab-head-ondemand",
        computeQueue="lab-work-spot",
        headJobRole="arn:aws:iam::123456789012:role/lab-head-job",
        computeJobRole="arn:aws:iam::123456789012:role/lab-compute-job",
        executionRole="arn:aws:iam::123456789012:role/lab-ecs-execution",
        cliPath="/opt/aws-cli/bin/aws",
        logGroup="/lab/nextflow",
        waveEnabled=True,
        environment=[
            {"name": "NXF_OPTS", "value": "-Xms1g -Xmx3g", "head": True, "compute": False},
            {"name": "LAB_REF", "value": "s3://acme-ref/GRCh38", "head": True, "compute": True},
        ],
    )
    doc["forge"] = None
    return doc


CASES = {
    "spot_minimal": base_config(),
    "ec2_fusion_fast_storage": with_options(
        waveEnabled=True,
        fusion2Enabled=True,
        nvnmeStorageEnabled=True,
        computeJobRole="arn:aws:iam::123456789012:role/acme-compute-job",
        executionRole="arn:aws:iam::123456789012:role/acme-ecs-execution",
        logGroup="/acme/nextflow",
        nextflowConfig="process {\n    errorStrategy = 'retry'\n    maxRetries = 2\n}",
        environment=[
            {"name": "NXF_JVM_ARGS", "value": "-XX:+UseG1GC", "head": True, "compute": False},
            {"name": "REF_BUCKET", "value": "it's \\here\\", "head": False, "compute": True},
        ],
        forge={
            "type": "EC2",
            "allocStrategy": "BEST_FIT_PROGRESSIVE",
            "minCpus": 8,
            "maxCpus": 256,
            "ebsAutoScale": False,
            "ebsBlockSize": None,
            "ebsBootSize": None,
            "vpcId": "vpc-0a1b2c3d",
            "subnets": ["subnet-1111", "subnet-2222"],
            "securityGroups": ["sg-3333"],
            "ec2KeyPair": "acme-debug",
            "allowBuckets": ["s3://acme-ref/genomes", "s3://acme-results"],
            "ecsConfig": "ECS_ENABLE_CONTAINER_METADATA=true",
        },
    ),
    "fargate_head_graviton": with_options(
        waveEnabled=True,
        fusion2Enabled=True,
        fusionSnapshots=True,
        forge={
            "fargateHeadEnabled": True,
            "arm64Enabled": True,
            "ebsAutoScale": False,
            "ebsBlockSize": None,
            "ebsBootSize": 100,
            "bidPercentage": 60,
        },
    ),
    "efs_create_fsx_create": with_options(
        workDir="/mnt/efs/work",
        forge={
            "efsCreate": True,
            "efsMount": "/mnt/efs",
            "fsxSize": 1200,
            "fsxMount": "/mnt/fsx",
            "imageId": "ami-0123456789abcdef0",
            "securityGroups": ["sg-efs-fsx"],
        },
    ),
    "gpu_dragen_labels": with_options(
        forge={
            "gpuEnabled": True,
            "instanceTypes": ["g4dn.xlarge", "g5.2xlarge"],
            "dragenEnabled": True,
            "dragenAmiId": "ami-dragen0001",
            "dragenInstanceType": "f1.4xlarge",
        },
    ),
    "manual": manual_config(),
}
LABELS = {
    "gpu_dragen_labels": {"project": "rnaseq", "cost-center": "cc-1234", "Name": "acme-genomics"},
}


def assert_golden(name: str, text: str) -> None:
    """Compares `text` to golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN_DIR / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text)
        return
    assert path.exists(), f"Missing golden file {path}; run with UPDATE_GOLDEN=1 to create it."
    assert text == path.read_text(), f"{name} differs from its golden file; review, then UPDATE_GOLDEN=1 to accept."


def as_json(data) -> str:
    return json.dumps(data, indent=2) + "\n"
