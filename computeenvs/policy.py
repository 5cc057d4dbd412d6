"""Least-privilege IAM policy for the credentials of a compute environment.

`forge_policy` and `manual_policy` are pure functions of the typed config (`options.AwsBatchConfig`,
or a normalized document, which they parse; every derived fact is a property of it). They
guarantee an IAM policy document (Version 2012-10-17) whose statements have stable Sids, appear
in a fixed order, and exist only when the CE's options need them (FSx only with FSx, EFS only
with EFS, S3 only for the work dir and allowed buckets, AMI lookup only without a custom AMI,
secrets only with an execution role). Batch, IAM and log resources are scoped to the forge prefix,
the named queues and the CE's log group; an unknown account id or region becomes ``*``.

Departures from the product page's sample policy, on purpose: Batch Describe/List actions get
their own statement on ``*`` (AWS Batch does not support resource-level permissions for them),
``batch:SubmitJob`` is also allowed on the job queues (it authorizes against the queue), the IAM
statement also covers ``instance-profile/<prefix>-*`` (instance-profile actions authorize against
the profile), and launch-template creation may tag the template it creates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from computeenvs import options
from computeenvs.forge.names import partition_for
from computeenvs.options import AwsBatchConfig

VERSION = "2012-10-17"

SECTIONS = {
    "BatchEnvironmentManagement": "Create, update and delete the Batch compute environments and job queues Forge "
    "names with the prefix.",
    "BatchDescribe": "Describe compute environments, queues, job definitions and jobs (AWS allows no narrower "
    "resource for these reads).",
    "BatchJobManagement": "Register the head job definition, submit the head job to the queues, cancel and "
    "terminate runs, tag jobs.",
    "LaunchTemplateManagement": "Create, tag, describe and delete the EC2 launch template (AWS allows no narrower "
    "resource).",
    "LaunchTemplateTagging": "Tag the launch template while creating it (only as part of CreateLaunchTemplate).",
    "PassRolesToBatch": "Pass the forged and configured IAM roles to AWS Batch and EC2 (and ECS tasks for the "
    "execution role), nowhere else.",
    "CloudWatchLogsAccess": "Read the head and task job logs in the compute environment's log group.",
    "LogGroupManagement": "Create, tag and delete the CloudWatch log group named in the configuration.",
    "S3BucketAccess": "Locate and list the work-directory bucket and the allowed buckets.",
    "S3ObjectAccess": "Read, write and delete objects under the work directory and the allowed bucket paths.",
    "IAMRoleAndProfileManagement": "Create, tag, inspect and delete the IAM roles and instance profile Forge "
    "names with the prefix.",
    "FetchOptimizedAMIMetadata": "Look up the latest ECS-optimized Amazon Linux 2023 AMI in SSM public "
    "parameters (not needed with a custom AMI).",
    "EC2MetadataDescribe": "Describe VPCs, subnets, security groups, key pairs, images and instance types "
    "(default VPC lookup and form choices).",
    "FSxDescribe": "Describe FSx for Lustre file systems.",
    "FSxManagement": "Create, tag and delete the FSx for Lustre file system Forge creates.",
    "EFSDescribe": "Describe EFS file systems and their mount targets.",
    "EFSManagement": "Create, tag and delete the EFS file system and mount targets Forge creates.",
    "PipelineSecretsListing": "List Secrets Manager secrets (AWS allows no narrower resource).",
    "PipelineSecretsManagement": "Create, describe and delete the temporary tower-* secrets of pipeline runs.",
}


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/path/`` -> (``bucket``, ``some/path``)."""
    bucket, _, path = uri.removeprefix("s3://").partition("/")
    return bucket, path.strip("/")


class _Arns:
    def __init__(self, config: AwsBatchConfig, account_id: str | None, region: str | None):
        self.region = region or config.region or "*"
        self.account = account_id or "*"
        self.partition = partition_for(None if self.region == "*" else self.region)

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account}:{resource}"

    def batch(self, resource: str) -> str:
        return self.arn("batch", resource)

    def iam(self, resource: str) -> str:
        return self.arn("iam", resource, region=False)

    def queue(self, name: str) -> str:
        return name if name.startswith("arn:") else self.batch(f"job-queue/{name}")


def _statement(sid: str, actions: list[str], resources: list[str] | str, condition: dict | None = None) -> dict:
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions) if len(actions) > 1 else actions[0],
        "Resource": resources if isinstance(resources, str) or len(resources) > 1 else resources[0],
    }
    if condition:
        statement["Condition"] = condition
    return statement


def _document(statements: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": statements}


def _batch_describe() -> dict:
    return _statement(
        "BatchDescribe",
        [
            "batch:DescribeComputeEnvironments",
            "batch:DescribeJobDefinitions",
            "batch:DescribeJobQueues",
            "batch:DescribeJobs",
            "batch:ListJobs",
        ],
        "*",
    )


def _batch_jobs(arns: _Arns, queues: list[str]) -> dict:
    return _statement(
        "BatchJobManagement",
        [
            "batch:CancelJob",
            "batch:RegisterJobDefinition",
            "batch:SubmitJob",
            "batch:TagResource",
            "batch:TerminateJob",
        ],
        [arns.batch("job-definition/*"), arns.batch("job/*"), *queues],
    )


def _pass_role(roles: list[str], *, ecs_tasks: bool) -> dict:
    services = ["batch.amazonaws.com", "ec2.amazonaws.com", *(["ecs-tasks.amazonaws.com"] if ecs_tasks else [])]
    return _statement(
        "PassRolesToBatch",
        ["iam:PassRole"],
        list(dict.fromkeys(roles)),
        {"StringEquals": {"iam:PassedToService": services}},
    )


def _logs(arns: _Arns, config: AwsBatchConfig) -> dict:
    group = config.log_group_name
    return _statement(
        "CloudWatchLogsAccess",
        [
            "logs:Describe*",
            "logs:FilterLogEvents",
            "logs:Get*",
            "logs:List*",
            "logs:StartQuery",
            "logs:StopQuery",
            "logs:TestMetricFilter",
        ],
        [arns.arn("logs", f"log-group:{group}"), arns.arn("logs", f"log-group:{group}:*")],
    )


def _s3(arns: _Arns, locations: list[str]) -> list[dict]:
    if not locations:
        return []
    s3 = f"arn:{arns.partition}:s3:::"
    buckets, objects = {}, {}
    for uri in locations:
        bucket, path = split_s3(uri)
        buckets[f"{s3}{bucket}"] = None
        objects[f"{s3}{bucket}/{path}/*" if path else f"{s3}{bucket}/*"] = None
    return [
        _statement("S3BucketAccess", ["s3:GetBucketLocation", "s3:ListBucket"], list(buckets)),
        _statement("S3ObjectAccess", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], list(objects)),
    ]


def _secrets(arns: _Arns) -> list[dict]:
    return [
        _statement("PipelineSecretsListing", ["secretsmanager:ListSecrets"], "*"),
        _statement(
            "PipelineSecretsManagement",
            ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret"],
            [arns.arn("secretsmanager", "secret:tower-*")],
        ),
    ]


def _configured_roles(config: AwsBatchConfig) -> list[str]:
    return [role for role in (config.head_job_role, config.compute_job_role, config.execution_role) if role]


def forge_policy(*, config: AwsBatchConfig | Mapping, prefix: str, account_id: str | None, region: str | None) -> dict:
    """The policy the credentials of a Batch Forge CE need for exactly its options."""
    config = options.typed(config)
    if not config.is_forge:
        raise ValueError("A Manual-mode compute environment needs manual_policy(), not forge_policy().")
    arns = _Arns(config, account_id, region)
    statements = [
        _statement(
            "BatchEnvironmentManagement",
            [
                "batch:CreateComputeEnvironment",
                "batch:CreateJobQueue",
                "batch:DeleteComputeEnvironment",
                "batch:DeleteJobQueue",
                "batch:TagResource",
                "batch:UpdateComputeEnvironment",
                "batch:UpdateJobQueue",
            ],
            [arns.batch(f"compute-environment/{prefix}-*"), arns.batch(f"job-queue/{prefix}-*")],
        ),
        _batch_describe(),
        _batch_jobs(arns, [arns.batch(f"job-queue/{prefix}-*")]),
        _statement(
            "LaunchTemplateManagement",
            [
                "ec2:CreateLaunchTemplate",
                "ec2:DeleteLaunchTemplate",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:DescribeLaunchTemplates",
            ],
            "*",
        ),
        _statement(
            "LaunchTemplateTagging",
            ["ec2:CreateTags"],
            arns.arn("ec2", "launch-template/*"),
            {"StringEquals": {"ec2:CreateAction": "CreateLaunchTemplate"}},
        ),
        _pass_role([arns.iam(f"role/{prefix}-*"), *_configured_roles(config)], ecs_tasks=config.uses_execution_role),
        _logs(arns, config),
        *(
            [
                _statement(
                    "LogGroupManagement",
                    ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:TagResource"],
                    [arns.arn("logs", f"log-group:{config.log_group_name}")],
                )
            ]
            if config.creates_log_group
            else []
        ),
        *_s3(arns, list(config.s3_locations)),
        _statement(
            "IAMRoleAndProfileManagement",
            [
                "iam:AddRoleToInstanceProfile",
                "iam:AttachRolePolicy",
                "iam:CreateInstanceProfile",
                "iam:CreateRole",
                "iam:DeleteInstanceProfile",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:GetInstanceProfile",
                "iam:GetRole",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
                "iam:ListRolePolicies",
                "iam:ListRoleTags",
                "iam:PutRolePolicy",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:TagRole",
            ],
            [arns.iam(f"role/{prefix}-*"), arns.iam(f"instance-profile/{prefix}-*")],
        ),
    ]
    if config.resolves_ami_from_ssm:
        statements.append(
            _statement(
                "FetchOptimizedAMIMetadata",
                ["ssm:GetParameters"],
                f"arn:{arns.partition}:ssm:{arns.region}:*:parameter/aws/service/ecs/*",
            )
        )
    statements.append(
        _statement(
            "EC2MetadataDescribe",
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeKeyPairs",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            "*",
        )
    )
    if config.uses_fsx:
        statements.append(_statement("FSxDescribe", ["fsx:DescribeFileSystems"], "*"))
    if config.creates_fsx:
        statements.append(
            _statement(
                "FSxManagement",
                ["fsx:CreateFileSystem", "fsx:DeleteFileSystem", "fsx:TagResource"],
                [arns.arn("fsx", "file-system/*")],
            )
        )
    if config.uses_efs:
        statements.append(
            _statement(
                "EFSDescribe", ["elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets"], "*"
            )
        )
    if config.creates_efs:
        statements.append(
            _statement(
                "EFSManagement",
                [
                    "elasticfilesystem:CreateFileSystem",
                    "elasticfilesystem:CreateMountTarget",
                    "elasticfilesystem:DeleteFileSystem",
                    "elasticfilesystem:DeleteMountTarget",
                    "elasticfilesystem:PutLifecycleConfiguration",
                    "elasticfilesystem:TagResource",
                    "elasticfilesystem:UpdateFileSystem",
                ],
                [arns.arn("elasticfilesystem", "file-system/*")],
            )
        )
    if config.uses_execution_role:
        statements.extend(_secrets(arns))
    return _document(statements)


def manual_policy(*, config: AwsBatchConfig | Mapping, account_id: str | None, region: str | None) -> dict:
    """The policy for a Manual-mode CE: run jobs on the named queues, read logs and the work dir; create nothing."""
    config = options.typed(config)
    arns = _Arns(config, account_id, region)
    queues = [arns.queue(q) for q in dict.fromkeys([config.head_queue, config.compute_queue]) if q]
    roles = _configured_roles(config)
    statements = [_batch_describe(), _batch_jobs(arns, queues)]
    if roles:
        statements.append(_pass_role(roles, ecs_tasks=bool(config.execution_role)))
    statements.append(_logs(arns, config))
    statements.extend(_s3(arns, list(config.s3_locations)))
    if config.execution_role:
        statements.extend(_secrets(arns))
    return _document(statements)


def policy_for(
    *, config: AwsBatchConfig | Mapping, prefix: str, account_id: str | None = None, region: str | None = None
) -> dict:
    """`forge_policy` or `manual_policy`, by the config's mode."""
    config = options.typed(config)
    if config.is_forge:
        return forge_policy(config=config, prefix=prefix, account_id=account_id, region=region)
    return manual_policy(config=config, account_id=account_id, region=region)


def policy_sections(policy: dict) -> list[tuple[str, str]]:
    """(Sid, what it allows) for each statement, in policy order, for display beside the JSON."""
    return [(s["Sid"], SECTIONS.get(s["Sid"], "")) for s in policy["Statement"]]


def policy_json(policy: dict) -> str:
    """The document as downloadable, stable JSON text."""
    return json.dumps(policy, indent=2) + "\n"
