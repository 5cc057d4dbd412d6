"""What the local AWS sandbox of `make run` holds for compute environments, so a newcomer's forms
have something to pick and a Manual compute environment can become AVAILABLE.

Guarantees:
* Only `manage.py devstart` calls `seed_sandbox`, after it pointed `AWS_ENDPOINT_URL` at the
  in-memory moto server; it refuses to run against any other endpoint, so it never touches real AWS.
* Idempotent: a resource that already exists is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError
from django.conf import settings

from workspaces import aws

REGION = "eu-west-1"
BUCKET = "sandbox-work"
HEAD_QUEUE = "sandbox-head"
COMPUTE_QUEUE = "sandbox-compute"
NAME = "sandbox"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass(frozen=True)
class Seeded:
    region: str
    bucket: str
    vpc: str
    subnets: tuple[str, ...]
    security_group: str
    head_queue: str
    compute_queue: str


def _exists(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    message = exc.response.get("Error", {}).get("Message", "")
    return (
        code in ("EntityAlreadyExists", "BucketAlreadyOwnedByYou", "InvalidKeyPair.Duplicate")
        or "already exists" in message
    )


def seed_sandbox(credentials, *, endpoint: str) -> str:
    """Seeds the sandbox account (see `seed`) and says what it holds, for the start banner."""
    seeded = seed(credentials, endpoint=endpoint)
    return (
        f"The sandbox account holds, in {seeded.region}: bucket s3://{seeded.bucket}, VPC {seeded.vpc} with "
        f"{len(seeded.subnets)} subnets and a security group, and the job queues {seeded.head_queue} and "
        f"{seeded.compute_queue} for a Manual compute environment."
    )


def seed(credentials, *, endpoint: str) -> Seeded:
    if not endpoint or endpoint != settings.AWS_ENDPOINT_URL or not endpoint.startswith("http://127.0.0.1:"):
        raise RuntimeError("The sandbox seed runs only against the local AWS sandbox.")
    session = aws.session_for(credentials, REGION)

    def client(service):
        return aws.client(credentials, service, REGION, session=session)

    s3, ec2, iam, batch = client("s3"), client("ec2"), client("iam"), client("batch")
    try:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    except ClientError as exc:
        if not _exists(exc):
            raise

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [NAME]}])["Vpcs"]
    vpc = (
        vpcs[0]["VpcId"]
        if vpcs
        else ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=_named("vpc"))["Vpc"]["VpcId"]
    )
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    for index, zone in enumerate(("a", "b")[len(subnets) :], start=len(subnets)):
        subnets.append(
            ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.20.{index}.0/24", AvailabilityZone=f"{REGION}{zone}",
                TagSpecifications=_named("subnet", f"{NAME}-{zone}"),
            )["Subnet"]["SubnetId"]
        )  # fmt: skip
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": [f"{NAME}-batch"]}]
    )["SecurityGroups"]
    group = (
        groups[0]["GroupId"]
        if groups
        else ec2.create_security_group(GroupName=f"{NAME}-batch", Description="Sandbox Batch instances", VpcId=vpc)[
            "GroupId"
        ]
    )
    try:
        ec2.create_key_pair(KeyName=f"{NAME}-key")
    except ClientError as exc:
        if not _exists(exc):
            raise

    try:
        role = iam.create_role(RoleName=f"{NAME}-batch-service", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
    except ClientError as exc:
        if not _exists(exc):
            raise
        role = iam.get_role(RoleName=f"{NAME}-batch-service")["Role"]
    try:
        profile = iam.create_instance_profile(InstanceProfileName=f"{NAME}-instance")["InstanceProfile"]
    except ClientError as exc:
        if not _exists(exc):
            raise
        profile = iam.get_instance_profile(InstanceProfileName=f"{NAME}-instance")["InstanceProfile"]
    environments = batch.describe_compute_environments(computeEnvironments=[f"{NAME}-manual"])["computeEnvironments"]
    if environments:
        ce_arn = environments[0]["computeEnvironmentArn"]
    else:
        ce_arn = batch.create_compute_environment(
            computeEnvironmentName=f"{NAME}-manual", type="MANAGED", state="ENABLED", serviceRole=role["Arn"],
            computeResources={
                "type": "EC2", "minvCpus": 0, "maxvCpus": 16, "instanceTypes": ["optimal"], "subnets": subnets,
                "securityGroupIds": [group], "instanceRole": profile["Arn"],
            },
        )["computeEnvironmentArn"]  # fmt: skip
    existing = {q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]}
    for queue in (HEAD_QUEUE, COMPUTE_QUEUE):
        if queue not in existing:
            batch.create_job_queue(
                jobQueueName=queue, state="ENABLED", priority=1,
                computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce_arn}],
            )  # fmt: skip
    return Seeded(REGION, BUCKET, vpc, tuple(subnets), group, HEAD_QUEUE, COMPUTE_QUEUE)


def _named(kind: str, name: str = NAME) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]
