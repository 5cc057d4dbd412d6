"""The Forge plan: the ordered AWS resources Batch Forge creates for a compute environment.

`build_plan` is a pure function of the typed config (`options.AwsBatchConfig`, or a normalized
document, which it parses), the CE id, its resource labels and the installation's forge prefix.
It guarantees:

- the same inputs always give the same plan (order, names, settings, tags);
- every name is derived from ``<prefix>-<ceId>`` (see `names`) and checked against the AWS limits
  of its kind; a prefix that would break a limit raises `ForgeNameError` naming the limit;
- every resource carries the CE's resource labels plus the ownership tags ``forge:ce-id``,
  ``forge:workspace-id``, ``forge:installation`` and ``Name`` (a resource label ``Name``
  overrides the automatic one), at most 50 tags;
- ``depends_on`` lists the *step keys* of the resources that must exist first, so the forge can
  ensure the steps in list order and dispose walks them backwards (`dispose_order`).

Every default and derived fact (boot disk, instance families, CLI path, bid, S3 locations...) is
read from the typed config's properties; none is restated here. Manual-mode configs have no plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from computeenvs import options
from computeenvs.forge.names import (  # noqa: F401  (re-exported: the plan's vocabulary)
    MAX_PREFIX_LENGTH,
    MAX_TAGS,
    NAME_RULES,
    STEPS,
    ForgeNameError,
    Kind,
    forge_names,
    managed_policy_arn,
    max_prefix_length,
    partition_for,
    queue_names,
    resource_tags,
)
from computeenvs.options.types import (  # noqa: F401  (re-exported for tests and the policy)
    GRAVITON_INSTANCE_TYPES,
    GRAVITON_NVME_INSTANCE_TYPES,
    NVME_INSTANCE_TYPES,
    NVME_MOUNT_PATH,
    AwsBatchConfig,
)

RUNNABLE_TIMEOUT_SECONDS = 600
RUNNABLE_TIMEOUT_REASONS = (
    "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
    "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
)
ECS_AGENT_SETTINGS = (
    "ECS_IMAGE_PULL_BEHAVIOR=once",
    "ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true",
    "ECS_CONTAINER_CREATE_TIMEOUT=10m",
    "ECS_CONTAINER_START_TIMEOUT=10m",
    "ECS_CONTAINER_STOP_TIMEOUT=10m",
    "ECS_MANIFEST_PULL_TIMEOUT=10m",
)
SSM_AMI_PARAMETERS = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
    "gpu": "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id",
}


@dataclass(frozen=True)
class PlannedResource:
    step: str
    kind: str
    name: str
    settings: dict = field(hash=False)
    tags: dict = field(hash=False)
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class DisposeStep:
    step: str
    kind: str
    name: str
    actions: tuple[str, ...]


# -- the plan -----------------------------------------------------------------------------------


def _ami(config: AwsBatchConfig, variant: str) -> dict:
    if config.forge_settings.image_id:
        return {"ami": config.forge_settings.image_id, "amiSsmParameter": None}
    parameter = SSM_AMI_PARAMETERS[variant]
    label = {"x86_64": "", "arm64": " arm64", "gpu": " GPU"}[variant]
    return {"ami": f"latest ECS-optimized AL2023{label} (SSM {parameter})", "amiSsmParameter": parameter}


def _network(config: AwsBatchConfig) -> dict | str:
    forge = config.forge_settings
    if forge.uses_default_network:
        return "default VPC"
    return {
        "vpcId": forge.vpc_id or "default VPC",
        "subnets": list(forge.subnets) or "default VPC subnets",
        "securityGroups": list(forge.security_groups) or "default VPC security group",
    }


def _file_systems(config: AwsBatchConfig, names: dict) -> list[dict]:
    forge, mounts = config.forge_settings, []
    if config.uses_efs:
        efs = forge.efs_id or f"{names['efs']} (created by Forge)"
        mounts.append({"type": "EFS", "fileSystem": efs, "mountPath": config.resolved("forge.efsMount")})
    if config.uses_fsx:
        fsx = forge.fsx_name or f"{names['fsx']} (created by Forge)"
        mounts.append({"type": "FSx for Lustre", "fileSystem": fsx, "mountPath": config.resolved("forge.fsxMount")})
    return mounts


def _user_data(config: AwsBatchConfig, names: dict) -> dict:
    ecs_config = (config.forge_settings.ecs_config or "").strip()
    block = config.ebs_autoscale_block_gb
    return {
        "ecsAgentSettings": list(ECS_AGENT_SETTINGS),
        "ecsConfigAppended": ecs_config.splitlines() if ecs_config else [],
        "awsCliPath": config.instance_cli_path,
        "ebsAutoScale": {"blockSizeGb": block} if block else None,
        "nvmeStorage": f"format instance-store NVMe disks at {NVME_MOUNT_PATH} (striped with LVM when several)"
        if config.nvnme_storage_enabled
        else None,
        "fileSystemMounts": _file_systems(config, names),
    }


def _role(trusted: str, policies: list[str], **extra) -> dict:
    return {"trustedService": trusted, "managedPolicies": policies, **extra}


def _queue(env_step: str, names: dict) -> dict:
    return {
        "state": "ENABLED",
        "priority": 1,
        "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": names[env_step]}],
        "jobStateTimeLimitActions": [
            {"reason": reason, "state": "RUNNABLE", "maxTimeSeconds": RUNNABLE_TIMEOUT_SECONDS, "action": "CANCEL"}
            for reason in RUNNABLE_TIMEOUT_REASONS
        ],
    }


def build_plan(
    *,
    ce_id: str,
    config: AwsBatchConfig | Mapping,
    labels: dict[str, str],
    prefix: str,
    workspace_id: int,
    installation: str = "seqera",
) -> list[PlannedResource]:
    """The ordered resources Forge creates for `config`; an empty list for a Manual-mode config."""
    config = options.typed(config)
    if not config.is_forge:
        return []
    forge = config.forge_settings
    names = forge_names(prefix, ce_id)
    if config.creates_log_group:
        names["log_group"] = config.log_group_name
    partition = partition_for(config.region)
    provisioning = forge.type
    spot = forge.is_spot
    buckets = list(config.s3_locations)
    network = _network(config)
    key_pair = forge.ec2_key_pair or None
    steps: dict[str, tuple[dict, tuple[str, ...]]] = {}

    steps["service_role"] = (_role("batch.amazonaws.com", [managed_policy_arn(partition, "AWSBatchServiceRole")]), ())
    if spot:
        steps["fleet_role"] = (
            _role("spotfleet.amazonaws.com", [managed_policy_arn(partition, "AmazonEC2SpotFleetTaggingRole")]),
            (),
        )
    if config.creates_execution_role:
        steps["execution_role"] = (
            _role(
                "ecs-tasks.amazonaws.com",
                [managed_policy_arn(partition, "AmazonECSTaskExecutionRolePolicy")],
                inlinePermissions=["secretsmanager:GetSecretValue on secret:tower-* (pipeline secrets)"],
                writtenToConfig="executionRole",
            ),
            (),
        )
    if config.creates_head_job_role:
        steps["head_job_role"] = (
            _role(
                "ecs-tasks.amazonaws.com",
                [],
                inlinePermissions=["Batch job submission and monitoring", "CloudWatch Logs read"],
                s3ReadWrite=buckets,
                writtenToConfig="headJobRole",
            ),
            (),
        )
    steps["instance_role"] = (
        _role(
            "ec2.amazonaws.com",
            [managed_policy_arn(partition, "AmazonEC2ContainerServiceforEC2Role")],
            inlinePermissions=["Batch job submission and monitoring", "CloudWatch Logs read"],
            s3ReadWrite=buckets,
        ),
        (),
    )
    steps["instance_profile"] = ({"role": names["instance_role"]}, ("instance_role",))
    if config.creates_log_group:
        steps["log_group"] = ({"logGroupName": config.log_group_name}, ())
    if config.creates_efs:
        steps["efs"] = (
            {
                "creationToken": names["efs"],
                "availability": "One Zone",
                "backup": False,
                "encrypted": True,
                "mountPath": config.resolved("forge.efsMount"),
                "mountTargets": "one per availability zone of the compute environment's subnets, "
                "with a security group admitting NFS",
            },
            (),
        )
    if config.creates_fsx:
        steps["fsx"] = (
            {
                "clientRequestToken": names["fsx"],
                "fileSystemType": "LUSTRE",
                "deploymentType": "SCRATCH_2",
                "storageCapacityGb": forge.fsx_size,
                "mountPath": config.resolved("forge.fsxMount"),
            },
            (),
        )
    steps["launch_template"] = (
        {
            "clientToken": names["launch_template"],
            "bootDisk": {
                "sizeGb": config.boot_disk_gb,
                "volumeType": "gp3",
                "throughputMBps": config.boot_disk_throughput,
            },
            "ec2KeyPair": key_pair,
            "tagPropagation": ["instance", "volume"],
            "userData": _user_data(config, names),
        },
        ("instance_profile", *(s for s in ("efs", "fsx") if s in steps)),
    )

    ec2_env = {
        "serviceRole": names["service_role"],
        "instanceRole": names["instance_profile"],
        "launchTemplate": names["launch_template"],
        "network": network,
        "ec2KeyPair": key_pair,
    }
    ec2_deps = ("service_role", "instance_profile", "launch_template")
    max_cpus = forge.max_cpus
    if forge.fargate_head_enabled:
        fargate = {"provisioningModel": "FARGATE", "minvCpus": 0, "maxvCpus": config.head_env_max_cpus}
        steps["head_env"] = ({**fargate, "network": network, "serviceRole": names["service_role"]}, ("service_role",))
    else:
        head = {
            "provisioningModel": "EC2",
            "allocationStrategy": config.alloc_strategy if not spot else options.DEFAULT_ALLOC_STRATEGY["EC2"],
            "minvCpus": 0,
            "maxvCpus": config.head_env_max_cpus,
            "instanceTypes": ["optimal"] if config.ami_variant != "x86_64" else list(config.work_instance_types),
        }
        steps["head_env"] = ({**head, **_ami(config, "x86_64"), **ec2_env}, ec2_deps)
    steps["head_queue"] = (_queue("head_env", names), ("head_env",))

    work = {
        "provisioningModel": provisioning,
        "allocationStrategy": config.alloc_strategy,
        "minvCpus": forge.min_cpus,
        "maxvCpus": max_cpus,
        "instanceTypes": list(config.work_instance_types),
    }
    if spot:
        work |= {"bidPercentage": forge.bid, "spotIamFleetRole": names["fleet_role"]}
    work_deps = (*ec2_deps, *(("fleet_role",) if spot else ()))
    steps["work_env"] = ({**work, **_ami(config, config.ami_variant), **ec2_env}, work_deps)
    steps["work_queue"] = (_queue("work_env", names), ("work_env",))

    if forge.dragen_enabled:
        dragen = {**work, "instanceTypes": [t for t in [forge.dragen_instance_type] if t]}
        dragen_ami = {"ami": forge.dragen_ami_id, "amiSsmParameter": None} if forge.dragen_ami_id else {}
        steps["dragen_env"] = ({**dragen, **_ami(config, "x86_64"), **dragen_ami, **ec2_env}, work_deps)
        steps["dragen_queue"] = (_queue("dragen_env", names), ("dragen_env",))

    return [
        PlannedResource(
            step=step,
            kind=STEPS[step][0],
            name=names[step],
            settings=settings,
            tags=resource_tags(labels, names[step], ce_id, workspace_id, installation),
            depends_on=depends_on,
        )
        for step, (settings, depends_on) in sorted(steps.items(), key=lambda item: list(STEPS).index(item[0]))
    ]


DISPOSE_ACTIONS = {
    Kind.BATCH_QUEUE: (
        "UpdateJobQueue state=DISABLED",
        "wait until the queue is VALID and DISABLED",
        "DeleteJobQueue",
        "wait until the queue is gone",
    ),
    Kind.BATCH_ENV: (
        "UpdateComputeEnvironment state=DISABLED",
        "wait until the compute environment is VALID and DISABLED (60-120 s)",
        "DeleteComputeEnvironment",
        "wait until the compute environment is gone",
    ),
    Kind.LAUNCH_TEMPLATE: ("DeleteLaunchTemplate",),
    Kind.FSX: ("DeleteFileSystem", "wait until the file system is gone"),
    Kind.EFS: (
        "DeleteMountTarget for each mount target",
        "wait until no mount target is left",
        "DeleteFileSystem",
        "DeleteSecurityGroup of the NFS security group",
    ),
    Kind.IAM_INSTANCE_PROFILE: ("RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"),
    Kind.LOG_GROUP: ("DeleteLogGroup",),
    Kind.IAM_ROLE: (
        "RemoveRoleFromInstanceProfile for each instance profile still holding it",
        "DetachRolePolicy for each managed policy",
        "DeleteRolePolicy for each inline policy",
        "DeleteRole",
    ),
}


def dispose_order(plan: list[PlannedResource]) -> list[DisposeStep]:
    """The plan walked backwards with the AWS actions of each step, as done by dispose (domain.md §3.3).

    Queues go before the compute environments they reference, compute environments before the
    launch template and file systems, and IAM roles last: AWS Batch still uses the service role
    while it deletes a compute environment. "Not found" at any action counts as done.
    """
    return [DisposeStep(r.step, r.kind, r.name, DISPOSE_ACTIONS[r.kind]) for r in reversed(plan)]


def plan_as_dicts(plan: list[PlannedResource]) -> list[dict]:
    """JSON-ready form of a plan (for templates, the API and golden files)."""
    return [{**asdict(resource), "depends_on": list(resource.depends_on)} for resource in plan]
