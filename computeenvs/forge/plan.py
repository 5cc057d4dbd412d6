"""The Forge plan: the ordered AWS resources Batch Forge creates for a compute environment.

`build_plan` is a pure function of the normalized config document (Seqera camelCase, defaults
filled in), the CE id, its resource labels and the installation's forge prefix. It guarantees:

- the same inputs always give the same plan (order, names, settings, tags);
- every name is derived from ``<prefix>-<ceId>`` and checked against the AWS limits of its kind
  (IAM role/instance profile, Batch CE/queue, launch template, EFS creation token, FSx client
  token); a prefix that would break a limit raises `ForgeNameError` naming the limit;
- every resource carries the CE's resource labels plus the ownership tags ``forge:ce-id``,
  ``forge:workspace-id``, ``forge:installation`` and ``Name`` (a resource label ``Name``
  overrides the automatic one), at most 50 tags;
- ``depends_on`` lists the *step keys* of the resources that must exist first, so the forge can
  ensure the steps in list order and dispose walks them backwards (`dispose_order`).

Manual-mode configs have no plan (empty list).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from computeenvs.models import ForgedResource

CLI_PATH = "/home/ec2-user/miniconda/bin/aws"
DEFAULT_LOG_GROUP = "/aws/batch/job"
DEFAULT_HEAD_MEMORY_MB = 4096
DEFAULT_HEAD_CPUS = 1
MAX_TAGS = 50
RUNNABLE_TIMEOUT_SECONDS = 600
RUNNABLE_TIMEOUT_REASONS = (
    "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
    "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
)
ECS_AGENT_SETTINGS = (
    "ECS_IMAGE_PULL_BEHAVIOR=once",
    "ECS_CONTAINER_CREATE_TIMEOUT=10m",
    "ECS_CONTAINER_STOP_TIMEOUT=10m",
    "ECS_MANIFEST_PULL_TIMEOUT=10m",
)
SSM_AMI_PARAMETERS = {
    "x86_64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id",
    "arm64": "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
    "gpu": "/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id",
}
DEFAULT_INSTANCE_TYPES = ("optimal",)
NVME_INSTANCE_TYPES = ("c6id", "m6id", "r6id")
GRAVITON_INSTANCE_TYPES = ("m6g", "r6g", "c6g")
GRAVITON_NVME_INSTANCE_TYPES = ("c7gd", "m7gd", "r7gd")


Kind = ForgedResource.Kind  # the ledger's kinds: a plan entry becomes a ledger row as it is


@dataclass(frozen=True)
class NameRule:
    label: str
    max_length: int
    pattern: re.Pattern
    min_length: int = 1


NAME_RULES = {
    Kind.IAM_ROLE: NameRule("IAM role name", 64, re.compile(r"^[\w+=,.@-]+$", re.ASCII)),
    Kind.IAM_INSTANCE_PROFILE: NameRule("IAM instance profile name", 128, re.compile(r"^[\w+=,.@-]+$", re.ASCII)),
    Kind.LAUNCH_TEMPLATE: NameRule("EC2 launch template name", 128, re.compile(r"^[A-Za-z0-9().\-/_]+$"), 3),
    Kind.BATCH_ENV: NameRule("Batch compute environment name", 128, re.compile(r"^[A-Za-z0-9_-]+$")),
    Kind.BATCH_QUEUE: NameRule("Batch job queue name", 128, re.compile(r"^[A-Za-z0-9_-]+$")),
    Kind.EFS: NameRule("EFS creation token", 64, re.compile(r"^[\x20-\x7e]+$")),
    Kind.FSX: NameRule("FSx client request token", 63, re.compile(r"^[A-Za-z0-9_.-]+$")),
}

# step key -> (kind, name suffix); the full catalogue, in creation order.
STEPS = {
    "service_role": (Kind.IAM_ROLE, "-ServiceRole"),
    "fleet_role": (Kind.IAM_ROLE, "-FleetRole"),
    "execution_role": (Kind.IAM_ROLE, "-ExecutionRole"),
    "head_job_role": (Kind.IAM_ROLE, "-HeadJobRole"),
    "instance_role": (Kind.IAM_ROLE, "-InstanceRole"),
    "instance_profile": (Kind.IAM_INSTANCE_PROFILE, "-InstanceRole"),
    "efs": (Kind.EFS, ""),
    "fsx": (Kind.FSX, ""),
    "launch_template": (Kind.LAUNCH_TEMPLATE, ""),
    "head_env": (Kind.BATCH_ENV, "-head"),
    "head_queue": (Kind.BATCH_QUEUE, "-head"),
    "work_env": (Kind.BATCH_ENV, "-work"),
    "work_queue": (Kind.BATCH_QUEUE, "-work"),
    "dragen_env": (Kind.BATCH_ENV, "-dragen"),
    "dragen_queue": (Kind.BATCH_QUEUE, "-dragen"),
}
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CE_ID_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
CE_ID_LENGTH = 22


def max_prefix_length(ce_id_length: int = CE_ID_LENGTH) -> int:
    """Longest forge prefix whose every derived name stays within its AWS limit."""
    return min(NAME_RULES[kind].max_length - len(suffix) - 1 - ce_id_length for kind, suffix in STEPS.values())


MAX_PREFIX_LENGTH = max_prefix_length()


class ForgeNameError(ValueError):
    """A derived AWS name breaks a provider limit (usually: the forge prefix is too long)."""


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


def forge_names(prefix: str, ce_id: str) -> dict[str, str]:
    """Every name Forge may derive for this CE, by step key, each validated against its AWS limit."""
    if not CE_ID_PATTERN.match(ce_id or ""):
        raise ForgeNameError(f"Compute environment id {ce_id!r} must be letters and digits only.")
    if not PREFIX_PATTERN.match(prefix or ""):
        raise ForgeNameError(
            f"Forge prefix {prefix!r} must start with a letter or digit and contain only letters, digits, '-' and '_'."
        )
    names = {step: f"{prefix}-{ce_id}{suffix}" for step, (_, suffix) in STEPS.items()}
    for step, name in names.items():
        rule = NAME_RULES[STEPS[step][0]]
        if not rule.min_length <= len(name) <= rule.max_length:
            raise ForgeNameError(
                f"Forge prefix {prefix!r} is too long: the {rule.label} {name!r} would be {len(name)} characters, "
                f"AWS allows at most {rule.max_length}. Use a prefix of at most "
                f"{max_prefix_length(len(ce_id))} characters."
            )
        if not rule.pattern.match(name):
            raise ForgeNameError(f"The {rule.label} {name!r} contains characters AWS does not allow.")
    return names


def queue_names(prefix: str, ce_id: str) -> dict[str, str]:
    """The head, compute and DRAGEN queue names Forge writes into the config (headQueue, computeQueue, dragenQueue)."""
    names = forge_names(prefix, ce_id)
    return {"headQueue": names["head_queue"], "computeQueue": names["work_queue"], "dragenQueue": names["dragen_queue"]}


def partition_for(region: str | None) -> str:
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def managed_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy/service-role/{name}"


# -- facts derived from the config document, shared with the IAM policy ------------------------


def is_forge(config: dict) -> bool:
    return bool(config.get("forge"))


def split_s3(uri: str) -> tuple[str, str]:
    """``s3://bucket/some/path/`` -> (``bucket``, ``some/path``)."""
    bucket, _, path = uri.removeprefix("s3://").partition("/")
    return bucket, path.strip("/")


def s3_locations(config: dict) -> list[str]:
    """Allowed buckets then the S3 work dir (appended last, as the server does), without duplicates."""
    forge = config.get("forge") or {}
    uris = [uri.rstrip("/") for uri in forge.get("allowBuckets") or [] if uri and uri.startswith("s3://")]
    work_dir = (config.get("workDir") or "").rstrip("/")
    if work_dir.startswith("s3://"):
        uris.append(work_dir)
    return list(dict.fromkeys(uris))


def uses_efs(config: dict) -> bool:
    forge = config.get("forge") or {}
    return bool(forge.get("efsCreate") or forge.get("efsId"))


def creates_efs(config: dict) -> bool:
    return bool((config.get("forge") or {}).get("efsCreate"))


def uses_fsx(config: dict) -> bool:
    forge = config.get("forge") or {}
    return bool(forge.get("fsxName") or forge.get("fsxSize"))


def creates_fsx(config: dict) -> bool:
    """A new FSx file system: a size is given and no existing file system's DNS name."""
    forge = config.get("forge") or {}
    return bool(forge.get("fsxSize") and not forge.get("fsxName"))


def creates_execution_role(config: dict) -> bool:
    return is_forge(config) and not config.get("executionRole")


def uses_execution_role(config: dict) -> bool:
    return bool(config.get("executionRole")) or creates_execution_role(config)


def creates_head_job_role(config: dict) -> bool:
    """A Fargate head job has no instance role to fall back on, so Forge makes a job role when none is given."""
    forge = config.get("forge") or {}
    return is_forge(config) and bool(forge.get("fargateHeadEnabled")) and not config.get("headJobRole")


def resolves_ami_from_ssm(config: dict) -> bool:
    forge = config.get("forge") or {}
    return is_forge(config) and not forge.get("imageId")


def work_instance_types(config: dict) -> list[str]:
    forge = config.get("forge") or {}
    if forge.get("instanceTypes"):
        return list(forge["instanceTypes"])
    nvme, arm64 = bool(config.get("nvnmeStorageEnabled")), bool(forge.get("arm64Enabled"))
    if arm64:
        return list(GRAVITON_NVME_INSTANCE_TYPES if nvme else GRAVITON_INSTANCE_TYPES)
    return list(NVME_INSTANCE_TYPES if nvme else DEFAULT_INSTANCE_TYPES)


def default_alloc_strategy(provisioning: str) -> str:
    return "SPOT_PRICE_CAPACITY_OPTIMIZED" if provisioning == "SPOT" else "BEST_FIT_PROGRESSIVE"


# -- the plan -----------------------------------------------------------------------------------


def _ami(forge: dict, variant: str) -> dict:
    if forge.get("imageId"):
        return {"ami": forge["imageId"], "amiSsmParameter": None}
    parameter = SSM_AMI_PARAMETERS[variant]
    label = {"x86_64": "", "arm64": " arm64", "gpu": " GPU"}[variant]
    return {"ami": f"latest ECS-optimized AL2023{label} (SSM {parameter})", "amiSsmParameter": parameter}


def _network(forge: dict) -> dict | str:
    if not (forge.get("vpcId") or forge.get("subnets") or forge.get("securityGroups")):
        return "default VPC"
    return {
        "vpcId": forge.get("vpcId") or "default VPC",
        "subnets": list(forge.get("subnets") or []) or "default VPC subnets",
        "securityGroups": list(forge.get("securityGroups") or []) or "default VPC security group",
    }


def _boot_disk(config: dict, forge: dict) -> dict:
    fusion_on_ebs = bool(config.get("fusion2Enabled")) and not config.get("nvnmeStorageEnabled")
    size = forge.get("ebsBootSize") or (100 if fusion_on_ebs else 50)
    return {"sizeGb": size, "volumeType": "gp3", "throughputMBps": 325 if fusion_on_ebs else None}


def _file_systems(config: dict, forge: dict, names: dict) -> list[dict]:
    mounts = []
    if uses_efs(config):
        efs = forge.get("efsId") or f"{names['efs']} (created by Forge)"
        mounts.append({"type": "EFS", "fileSystem": efs, "mountPath": forge.get("efsMount")})
    if uses_fsx(config):
        fsx = forge.get("fsxName") or f"{names['fsx']} (created by Forge)"
        mounts.append({"type": "FSx for Lustre", "fileSystem": fsx, "mountPath": forge.get("fsxMount")})
    return mounts


def _user_data(config: dict, forge: dict, names: dict) -> dict:
    ecs_config = (forge.get("ecsConfig") or "").strip()
    ebs = forge.get("ebsAutoScale") and not config.get("fusion2Enabled")
    return {
        "ecsAgentSettings": list(ECS_AGENT_SETTINGS),
        "ecsConfigAppended": ecs_config.splitlines() if ecs_config else [],
        "awsCliPath": None if config.get("fusion2Enabled") else CLI_PATH,
        "ebsAutoScale": {"blockSizeGb": forge.get("ebsBlockSize") or 50} if ebs else None,
        "nvmeStorage": "format instance-store NVMe disks at /scratch/fusion (striped with LVM when several)"
        if config.get("nvnmeStorageEnabled")
        else None,
        "fileSystemMounts": _file_systems(config, forge, names),
    }


def _role(trusted: str, policies: list[str], **extra) -> dict:
    return {"trustedService": trusted, "managedPolicies": policies, **extra}


def _tags(labels: dict[str, str], name: str, ce_id: str, workspace_id: int, installation: str) -> dict[str, str]:
    tags = {"Name": name, **labels}
    tags.update({"forge:ce-id": ce_id, "forge:workspace-id": str(workspace_id), "forge:installation": installation})
    if len(tags) > MAX_TAGS:
        raise ValueError(
            f"Too many resource labels: AWS allows {MAX_TAGS} tags per resource, this plan needs {len(tags)}."
        )
    return dict(sorted(tags.items()))


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
    *, ce_id: str, config: dict, labels: dict[str, str], prefix: str, workspace_id: int, installation: str = "seqera"
) -> list[PlannedResource]:
    """The ordered resources Forge creates for `config`; an empty list for a Manual-mode config."""
    if not is_forge(config):
        return []
    forge = config["forge"]
    names = forge_names(prefix, ce_id)
    partition = partition_for(config.get("region"))
    provisioning = forge.get("type") or "SPOT"
    spot = provisioning == "SPOT"
    fargate_head = bool(forge.get("fargateHeadEnabled"))
    buckets = s3_locations(config)
    network = _network(forge)
    key_pair = forge.get("ec2KeyPair") or None
    variant = "arm64" if forge.get("arm64Enabled") else "gpu" if forge.get("gpuEnabled") else "x86_64"
    steps: dict[str, tuple[dict, tuple[str, ...]]] = {}

    steps["service_role"] = (_role("batch.amazonaws.com", [managed_policy_arn(partition, "AWSBatchServiceRole")]), ())
    if spot:
        steps["fleet_role"] = (
            _role("spotfleet.amazonaws.com", [managed_policy_arn(partition, "AmazonEC2SpotFleetTaggingRole")]),
            (),
        )
    if creates_execution_role(config):
        steps["execution_role"] = (
            _role(
                "ecs-tasks.amazonaws.com",
                [managed_policy_arn(partition, "AmazonECSTaskExecutionRolePolicy")],
                inlinePermissions=["secretsmanager:GetSecretValue on secret:tower-* (pipeline secrets)"],
                writtenToConfig="executionRole",
            ),
            (),
        )
    if creates_head_job_role(config):
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
    if creates_efs(config):
        steps["efs"] = (
            {
                "creationToken": names["efs"],
                "availability": "One Zone",
                "backup": False,
                "encrypted": True,
                "mountPath": forge.get("efsMount"),
                "mountTargets": "one per subnet of the compute environment",
            },
            (),
        )
    if creates_fsx(config):
        steps["fsx"] = (
            {
                "clientRequestToken": names["fsx"],
                "fileSystemType": "LUSTRE",
                "deploymentType": "SCRATCH_2",
                "storageCapacityGb": forge.get("fsxSize"),
                "mountPath": forge.get("fsxMount"),
            },
            (),
        )
    steps["launch_template"] = (
        {
            "clientToken": names["launch_template"],
            "bootDisk": _boot_disk(config, forge),
            "ec2KeyPair": key_pair,
            "tagPropagation": ["instance", "volume"],
            "userData": _user_data(config, forge, names),
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
    max_cpus = forge.get("maxCpus")
    if fargate_head:
        fargate = {"provisioningModel": "FARGATE", "minvCpus": 0, "maxvCpus": max_cpus, "network": network}
        steps["head_env"] = ({**fargate, "serviceRole": names["service_role"]}, ("service_role",))
    else:
        head = {
            "provisioningModel": "EC2",
            "allocationStrategy": "BEST_FIT_PROGRESSIVE"
            if spot
            else forge.get("allocStrategy") or "BEST_FIT_PROGRESSIVE",
            "minvCpus": 0,
            "maxvCpus": max_cpus,
            "instanceTypes": ["optimal"] if variant != "x86_64" else work_instance_types(config),
        }
        steps["head_env"] = ({**head, **_ami(forge, "x86_64"), **ec2_env}, ec2_deps)
    steps["head_queue"] = (_queue("head_env", names), ("head_env",))

    work = {
        "provisioningModel": provisioning,
        "allocationStrategy": forge.get("allocStrategy") or default_alloc_strategy(provisioning),
        "minvCpus": forge.get("minCpus") or 0,
        "maxvCpus": max_cpus,
        "instanceTypes": work_instance_types(config),
    }
    if spot:
        work |= {"bidPercentage": forge.get("bidPercentage") or 100, "spotIamFleetRole": names["fleet_role"]}
    work_deps = (*ec2_deps, *(("fleet_role",) if spot else ()))
    steps["work_env"] = ({**work, **_ami(forge, variant), **ec2_env}, work_deps)
    steps["work_queue"] = (_queue("work_env", names), ("work_env",))

    if forge.get("dragenEnabled"):
        dragen = {**work, "instanceTypes": [t for t in [forge.get("dragenInstanceType")] if t]}
        dragen_ami = {"ami": forge.get("dragenAmiId"), "amiSsmParameter": None} if forge.get("dragenAmiId") else {}
        steps["dragen_env"] = ({**dragen, **_ami(forge, "x86_64"), **dragen_ami, **ec2_env}, work_deps)
        steps["dragen_queue"] = (_queue("dragen_env", names), ("dragen_env",))

    return [
        PlannedResource(
            step=step,
            kind=STEPS[step][0],
            name=names[step],
            settings=settings,
            tags=_tags(labels, names[step], ce_id, workspace_id, installation),
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
    ),
    Kind.IAM_INSTANCE_PROFILE: ("RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"),
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
