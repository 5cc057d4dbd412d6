"""Choices read from the user's AWS account for the compute-environment form (Seqera's pickers).

Guarantees:
* Every lookup goes through `workspaces.aws` with the chosen credentials of the same workspace and
  the chosen region; nothing here writes to AWS.
* Results are cached for `CACHE_SECONDS` per credential (and its last change), region, kind and VPC,
  so focusing fields again costs no AWS call.
* An AWS refusal becomes a `PickerError` naming the IAM action the credentials lack; any other AWS
  failure says what AWS answered. The form field stays free text either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError
from django.core.cache import cache

from workspaces import aws
from workspaces.models import Credentials

CACHE_SECONDS = 60
LIMIT = 500
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


class PickerError(Exception):
    pass


def _buckets(c, region, vpc):
    return [Choice(f"s3://{b['Name']}", b["Name"]) for b in c("s3").list_buckets().get("Buckets", [])]


def _queues(c, region, vpc):
    queues = c("batch").describe_job_queues().get("jobQueues", [])
    return [
        Choice(q["jobQueueName"], f"{q['jobQueueName']} ({q.get('state', '?')}, {q.get('status', '?')})")
        for q in queues
    ]


def _named(tags) -> str:
    return next((t["Value"] for t in tags or [] if t.get("Key") == "Name"), "")


def _vpcs(c, region, vpc):
    vpcs = c("ec2").describe_vpcs().get("Vpcs", [])
    return [
        Choice(
            v["VpcId"],
            " ".join(
                filter(
                    None,
                    [v["VpcId"], _named(v.get("Tags")), v.get("CidrBlock"), "default" if v.get("IsDefault") else ""],
                )
            ),
        )
        for v in vpcs
    ]


def _vpc_filter(vpc):
    return {"Filters": [{"Name": "vpc-id", "Values": [vpc]}]} if vpc else {}


def _subnets(c, region, vpc):
    subnets = c("ec2").describe_subnets(**_vpc_filter(vpc)).get("Subnets", [])
    return [
        Choice(
            s["SubnetId"],
            f"{s['SubnetId']} {_named(s.get('Tags'))} {s.get('AvailabilityZone', '')} {s.get('CidrBlock', '')}".replace(
                "  ", " "
            ),
        )
        for s in subnets
    ]


def _security_groups(c, region, vpc):
    groups = c("ec2").describe_security_groups(**_vpc_filter(vpc)).get("SecurityGroups", [])
    return [Choice(g["GroupId"], f"{g['GroupId']} {g.get('GroupName', '')} ({g.get('VpcId', '')})") for g in groups]


def _file_systems(c, region, vpc):
    systems = c("efs").describe_file_systems().get("FileSystems", [])
    return [
        Choice(f["FileSystemId"], f"{f['FileSystemId']} {f.get('Name', '')} {f.get('LifeCycleState', '')}")
        for f in systems
    ]


def _key_pairs(c, region, vpc):
    return [Choice(k["KeyName"], k["KeyName"]) for k in c("ec2").describe_key_pairs().get("KeyPairs", [])]


def _instance_types(c, region, vpc):
    paginator = c("ec2").get_paginator("describe_instance_types")
    found: list[Choice] = []
    for page in paginator.paginate(PaginationConfig={"MaxItems": LIMIT}):
        for t in page.get("InstanceTypes", []):
            cpus = t.get("VCpuInfo", {}).get("DefaultVCpus", "?")
            memory = round(t.get("MemoryInfo", {}).get("SizeInMiB", 0) / 1024, 1)
            flags = []
            if t.get("InstanceStorageInfo", {}).get("NvmeSupport") in ("required", "supported"):
                flags.append("NVMe")
            if "arm64" in t.get("ProcessorInfo", {}).get("SupportedArchitectures", []):
                flags.append("ARM")
            if t.get("GpuInfo"):
                flags.append("GPU")
            label = f"{t['InstanceType']} · {cpus} vCPU · {memory:g} GiB" + (f" · {', '.join(flags)}" if flags else "")
            found.append(Choice(t["InstanceType"], label))
    families = sorted({c.value.split(".")[0] for c in found})
    return sorted(found, key=lambda c: c.value) + [Choice(f, f"{f} (family)") for f in families]


@dataclass(frozen=True)
class Picker:
    kind: str
    what: str  # for messages: "S3 buckets"
    permission: str
    fetch: Callable
    uses_vpc: bool = False


PICKERS = {
    p.kind: p
    for p in (
        Picker("buckets", "S3 buckets", "s3:ListAllMyBuckets", _buckets),
        Picker("queues", "job queues", "batch:DescribeJobQueues", _queues),
        Picker("vpcs", "VPCs", "ec2:DescribeVpcs", _vpcs),
        Picker("subnets", "subnets", "ec2:DescribeSubnets", _subnets, uses_vpc=True),
        Picker("security-groups", "security groups", "ec2:DescribeSecurityGroups", _security_groups, uses_vpc=True),
        Picker("file-systems", "EFS file systems", "elasticfilesystem:DescribeFileSystems", _file_systems),
        Picker("key-pairs", "key pairs", "ec2:DescribeKeyPairs", _key_pairs),
        Picker("instance-types", "instance types", "ec2:DescribeInstanceTypes", _instance_types),
    )
}

FIELD_PICKERS = {
    "workDir": "buckets",
    "forge.allowBuckets": "buckets",
    "headQueue": "queues",
    "computeQueue": "queues",
    "forge.vpcId": "vpcs",
    "forge.subnets": "subnets",
    "forge.securityGroups": "security-groups",
    "forge.efsId": "file-systems",
    "forge.ec2KeyPair": "key-pairs",
    "forge.instanceTypes": "instance-types",
}


def choices(*, credentials: Credentials, region: str, kind: str, vpc_id: str = "") -> list[Choice]:
    picker = PICKERS[kind]
    vpc_id = vpc_id if picker.uses_vpc else ""
    key = f"picker:{credentials.pk}:{credentials.last_updated.timestamp()}:{region}:{kind}:{vpc_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    session = aws.session_for(credentials, region)

    def client(service: str):
        return aws.client(credentials, service, region, session=session)

    try:
        found = picker.fetch(client, region, vpc_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in DENIED:
            raise PickerError(
                f"These credentials may not list {picker.what} in {region}: they need {picker.permission}."
            ) from exc
        raise PickerError(f"AWS could not list {picker.what}: {aws.error_message(exc)}") from exc
    except BotoCoreError as exc:
        raise PickerError(f"AWS could not list {picker.what}: {aws.error_message(exc)}") from exc
    cache.set(key, found, CACHE_SECONDS)
    return found
