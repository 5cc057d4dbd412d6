"""IAM roles and the instance profile: ensure (look up by name, adopt if ours, else create) and
dispose (take apart what AWS requires first, then delete; "not found" is done)."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from computeenvs.forge.context import Context, ForgeError, error_code
from computeenvs.forge.names import is_ours

NOT_FOUND = ("NoSuchEntity",)


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _tag_list(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tag_dict(tags: list[dict] | None) -> dict:
    return {t["Key"]: t["Value"] for t in tags or []}


def _inline_policy(ctx: Context, step: str, settings: dict) -> dict | None:
    """The inline permissions of a forged role (what the plan describes in words)."""
    partition = "aws-cn" if ctx.region.startswith("cn-") else "aws"
    statements = []
    if step == "execution_role":
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": f"arn:{partition}:secretsmanager:{ctx.region}:*:secret:tower-*",
            }
        )
    if step in ("instance_role", "head_job_role"):
        statements.append(
            {
                "Effect": "Allow",
                "Action": [
                    "batch:DescribeJobs",
                    "batch:DescribeJobQueues",
                    "batch:DescribeComputeEnvironments",
                    "batch:ListJobs",
                    "batch:SubmitJob",
                    "batch:CancelJob",
                    "batch:TerminateJob",
                    "batch:RegisterJobDefinition",
                    "batch:DescribeJobDefinitions",
                    "batch:TagResource",
                    "logs:GetLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": "*",
            }
        )
        buckets = settings.get("s3ReadWrite") or []
        if buckets:
            resources = []
            for uri in buckets:
                bucket, _, path = uri.removeprefix("s3://").partition("/")
                resources += [f"arn:{partition}:s3:::{bucket}", f"arn:{partition}:s3:::{bucket}/{path or ''}*"]
            statements.append(
                {
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:ListBucket",
                        "s3:GetBucketLocation",
                    ],
                    "Resource": sorted(set(resources)),
                }
            )
    return {"Version": "2012-10-17", "Statement": statements} if statements else None


INLINE_POLICY_NAME = "forge"


def ensure_role(ctx: Context, resource) -> str:
    iam = ctx.client("iam")
    settings = resource.settings
    try:
        role = iam.get_role(RoleName=resource.name)["Role"]
        if not is_ours(_tag_dict(role.get("Tags")), ctx.ce_id):
            # moto and some AWS paths omit tags from GetRole: ask for them explicitly
            tags = _tag_dict(iam.list_role_tags(RoleName=resource.name).get("Tags"))
            if not is_ours(tags, ctx.ce_id):
                raise ForgeError(
                    f"An IAM role named {resource.name} already exists and was not made by Batch Forge for this "
                    "compute environment; it is left alone."
                )
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
        try:
            role = iam.create_role(
                RoleName=resource.name,
                AssumeRolePolicyDocument=_trust(settings["trustedService"]),
                Description=f"Batch Forge {resource.step} of compute environment {ctx.ce_id}",
                Tags=_tag_list(resource.tags),
            )["Role"]
        except ClientError as exc2:
            if error_code(exc2) != "EntityAlreadyExists":
                raise
            role = iam.get_role(RoleName=resource.name)["Role"]
    # converge what a crash may have left half-done (both calls are idempotent)
    attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=resource.name)["AttachedPolicies"]}
    for arn in settings.get("managedPolicies") or []:
        if arn not in attached:
            iam.attach_role_policy(RoleName=resource.name, PolicyArn=arn)
    inline = _inline_policy(ctx, resource.step, settings)
    if inline is not None and INLINE_POLICY_NAME not in iam.list_role_policies(RoleName=resource.name)["PolicyNames"]:
        iam.put_role_policy(RoleName=resource.name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(inline))
    return role["Arn"]


def ensure_instance_profile(ctx: Context, resource) -> str:
    iam = ctx.client("iam")
    role_name = resource.settings["role"]
    try:
        profile = iam.get_instance_profile(InstanceProfileName=resource.name)["InstanceProfile"]
        if not is_ours(_tag_dict(profile.get("Tags")), ctx.ce_id):
            tags = _tag_dict(iam.list_instance_profile_tags(InstanceProfileName=resource.name).get("Tags"))
            if not is_ours(tags, ctx.ce_id):
                raise ForgeError(
                    f"An IAM instance profile named {resource.name} already exists and was not made by Batch Forge "
                    "for this compute environment; it is left alone."
                )
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
        try:
            profile = iam.create_instance_profile(InstanceProfileName=resource.name, Tags=_tag_list(resource.tags))[
                "InstanceProfile"
            ]
        except ClientError as exc2:
            if error_code(exc2) != "EntityAlreadyExists":
                raise
            profile = iam.get_instance_profile(InstanceProfileName=resource.name)["InstanceProfile"]
    if role_name not in {r["RoleName"] for r in profile.get("Roles", [])}:
        iam.add_role_to_instance_profile(InstanceProfileName=resource.name, RoleName=role_name)
    return profile["Arn"]


def _gone(call, *args, **kwargs) -> bool:
    """Runs a delete-ish call; True when AWS says the thing is not there (done)."""
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return True
        raise
    return False


def dispose_instance_profile(ctx: Context, name: str, arn: str) -> None:
    iam = ctx.client("iam")
    try:
        profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    except ClientError as exc:
        if error_code(exc) in NOT_FOUND:
            return
        raise
    for role in profile.get("Roles", []):
        _gone(iam.remove_role_from_instance_profile, InstanceProfileName=name, RoleName=role["RoleName"])
    _gone(iam.delete_instance_profile, InstanceProfileName=name)


def dispose_role(ctx: Context, name: str, arn: str) -> None:
    """Out of its instance profiles, policies detached and deleted, then the role; a role that is
    not there (at any of these calls) is done."""
    iam = ctx.client("iam")
    try:
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            _gone(
                iam.remove_role_from_instance_profile, InstanceProfileName=profile["InstanceProfileName"], RoleName=name
            )
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            _gone(iam.detach_role_policy, RoleName=name, PolicyArn=policy["PolicyArn"])
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            _gone(iam.delete_role_policy, RoleName=name, PolicyName=policy_name)
        _gone(iam.delete_role, RoleName=name)
    except ClientError as exc:
        if error_code(exc) not in NOT_FOUND:
            raise
