"""The field table (`FIELDS`) and field-level cleaning: types, enums, ranges and formats."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .types import (
    ALLOC_STRATEGIES,
    ARN_MAX_CHARS,
    DEFAULT_ALLOC_STRATEGY,
    DEFAULT_LOG_GROUP,
    ECS_CONFIG_MAX_BYTES,
    ENV_NAME,
    ENV_VALUE_MAX_BYTES,
    ENV_VARS_MAX,
    FORGE_CLI_PATH,
    ID_MAX_CHARS,
    INSTANCE_TYPE_MAX_CHARS,
    INSTANCE_TYPES_MAX,
    INT32_MAX,
    NEXTFLOW_CONFIG_MAX_BYTES,
    PATH_MAX_CHARS,
    PROVISIONING_MODEL_LABELS,
    QUEUE_MAX_CHARS,
    REGION_LABELS,
    SCRIPT_HARD_MAX_BYTES,
    URI_MAX_CHARS,
    Violation,
    is_absolute_path,
    is_ami_id,
    is_efs_id,
    is_fsx_dns_name,
    is_instance_type,
    is_instance_type_or_family,
    is_key_pair_name,
    is_log_group,
    is_queue,
    is_role_arn,
    is_s3_uri,
    is_security_group_id,
    is_subnet_id,
    is_vpc_id,
)

# --------------------------------------------------------------------------- field table

MISSING = object()


@dataclass(frozen=True)
class FieldSpec:
    """One option of the config document. `path` is its camelCase dotted path; `coupled` computes a
    default from other values (`get(path)`) when the key was not sent; `validator` checks the
    format of a text value (or of each item of a list), described to the user by `example`.

    Every text-like field declares its caps here (`max_length`, `max_bytes`, `max_items`; checked
    when the table is built): values over a cap are refused before any format check runs, and
    every `validator` runs in time linear in its input (plain parsing or patterns without
    nested or adjacent overlapping repeats), so no value a client can send costs more than a
    bounded, linear amount of CPU."""

    path: str
    label: str
    kind: str  # bool | int | str | text | list | choice | envvars
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    group: str = "advanced"
    forge_only: bool = False
    manual_only: bool = False
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None  # characters of a str/choice value, or of each item of a list
    max_bytes: int | None = None  # UTF-8 bytes of a text value, or of each environment variable value
    max_items: int | None = None  # entries of a list or of the environment
    example: str = ""
    unit: str = ""
    validator: Callable[[str], bool] | None = field(default=None, repr=False, compare=False)
    coupled: Callable[[Callable[[str], Any]], Any] | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    # The caps of a field of a kind that needs them (`check_caps` refuses the table without them).
    @property
    def length_cap(self) -> int:
        return _declared(self, "max_length")

    @property
    def bytes_cap(self) -> int:
        return _declared(self, "max_bytes")

    @property
    def items_cap(self) -> int:
        return _declared(self, "max_items")

    @property
    def attr(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.key).lower()

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)

    def applies(self, forge_mode: bool) -> bool:
        return not (self.forge_only and not forge_mode) and not (self.manual_only and forge_mode)


def _F(path, label, kind, **kw) -> FieldSpec:  # noqa: N802
    if path.startswith("forge."):
        kw.setdefault("forge_only", True)
    return FieldSpec(path, label, kind, **kw)


def _fs_mount(flag_paths: tuple[str, ...], default_mount: str):
    return lambda get: default_mount if any(get(p) not in (None, False) for p in flag_paths) else None


FIELDS: tuple[FieldSpec, ...] = (
    # general
    _F(
        "region",
        "Region",
        "choice",
        max_length=32,
        required=True,
        group="general",
        example="eu-west-1",
        choices=tuple((code, f"{code} - {name}") for code, name in REGION_LABELS.items()),
        help="AWS region where the Batch resources live. It must match the region of the S3 bucket or "
        "EFS/FSx file system used as work directory.",
    ),
    _F(
        "headQueue",
        "Head queue",
        "str",
        max_length=QUEUE_MAX_CHARS,
        required=True,
        manual_only=True,
        group="general",
        validator=is_queue,
        example="my-head-queue (or its job-queue ARN)",
        help="Name of the AWS Batch job queue that runs the Nextflow head job. It must be backed by an "
        "On-Demand compute environment.",
    ),
    _F(
        "computeQueue",
        "Compute queue",
        "str",
        max_length=QUEUE_MAX_CHARS,
        required=True,
        manual_only=True,
        group="general",
        validator=is_queue,
        example="my-compute-queue (or its job-queue ARN)",
        help="Name of the AWS Batch job queue where Nextflow submits the pipeline tasks. It may be Spot; "
        "with an On-Demand queue the head queue can be the same.",
    ),
    # work directory
    _F(
        "workDir",
        "Pipeline work directory",
        "str",
        max_length=URI_MAX_CHARS,
        required=True,
        group="workdir",
        example="s3://my-bucket/work",
        help="Where Nextflow keeps intermediate files: an S3 bucket in the same region (s3://bucket[/path], also "
        "used for the Nextflow cloud cache) or a folder inside the EFS/FSx mount path (for example "
        "/mnt/efs/work). EFS/FSx work directories cannot be used by Studios.",
    ),
    # Wave and Fusion
    _F(
        "waveEnabled",
        "Wave containers",
        "bool",
        default=False,
        group="wavefusion",
        coupled=lambda get: bool(get("fusion2Enabled")),
        help="Provision containers with the Wave service and reach private container registries.",
    ),
    _F(
        "fusion2Enabled",
        "Fusion v2",
        "bool",
        default=False,
        group="wavefusion",
        help="Access S3 data through the Fusion v2 file system, which speeds up most data operations. "
        "Requires Wave containers and an S3 work directory; turns off EBS auto scale.",
    ),
    _F(
        "nvnmeStorageEnabled",
        "Fast instance storage",
        "bool",
        default=False,
        group="wavefusion",
        help="Use the instances' local NVMe disks as Fusion cache. Requires Fusion v2 and NVMe instance types "
        "(leave instance types empty to let the platform pick NVMe families).",
    ),
    _F(
        "fusionSnapshots",
        "Fusion snapshots (beta)",
        "bool",
        default=False,
        group="wavefusion",
        help="Let Fusion restore jobs interrupted by a Spot reclamation. Requires Fusion v2, Batch Forge, the Spot "
        "provisioning model and an S3 work directory.",
    ),
    # Batch Forge
    _F(
        "forge.type",
        "Provisioning model",
        "choice",
        max_length=16,
        default="SPOT",
        group="forge",
        choices=tuple(PROVISIONING_MODEL_LABELS.items()),
        help="Spot instances cost as little as 20% of On-Demand; the head job still runs on a dedicated "
        "On-Demand queue so it is never interrupted.",
    ),
    _F(
        "forge.maxCpus",
        "Max CPUs",
        "int",
        required=True,
        minimum=1,
        maximum=INT32_MAX,
        group="forge",
        example="64",
        help="Maximum number of vCPUs (the sum over all instances) AWS Batch provisions at any time.",
    ),
    _F(
        "forge.ebsAutoScale",
        "EBS auto scale (deprecated)",
        "bool",
        default=True,
        group="forge",
        coupled=lambda get: not get("fusion2Enabled"),
        help="Let instances grow their disk during task execution (mounted at /scratch). Deprecated and not "
        "compatible with Fusion v2; unattached volumes may be left behind on large clusters.",
    ),
    _F(
        "forge.fargateHeadEnabled",
        "Fargate for head job",
        "bool",
        default=False,
        group="forge",
        help="Run the Nextflow head job on AWS Fargate so pipelines start in under a minute. Requires Fusion v2 and "
        "Spot; not compatible with EFS or FSx; EC2 is better for GPU, custom AMIs or more than 16 vCPUs.",
    ),
    _F(
        "forge.gpuEnabled",
        "GPUs",
        "bool",
        default=False,
        group="forge",
        help="Use the AWS GPU-optimized ECS AMI. Only NVIDIA GPUs are supported; also list GPU instance types "
        "(for example g5 or p4d).",
    ),
    _F(
        "forge.arm64Enabled",
        "Graviton (ARM64)",
        "bool",
        default=False,
        group="forge",
        help="Run compute jobs on Graviton instances (m6g, r6g, c6g by default). Requires Fargate for the head "
        "job, Wave and Fusion v2; not compatible with GPUs.",
    ),
    _F(
        "forge.allowBuckets",
        "Allowed S3 buckets",
        "list",
        max_length=URI_MAX_CHARS,
        default=(),
        group="forge",
        validator=is_s3_uri,
        max_items=100,
        example="s3://my-inputs",
        help="Other buckets your pipelines read or write (s3://bucket[/path]). The work directory bucket is "
        "always allowed.",
    ),
    _F(
        "forge.disposeOnDeletion",
        "Dispose resources",
        "bool",
        default=True,
        group="forge",
        help="Delete every AWS resource Batch Forge created, including EFS/FSx file systems, when this compute "
        "environment is deleted.",
    ),
    _F(
        "forge.fusionEnabled",
        "Fusion mounts (deprecated)",
        "bool",
        default=False,
        group="forge",
        help="Fusion v1 bucket mounts are no longer supported; use Fusion v2.",
    ),
    # storage
    _F(
        "forge.efsCreate",
        "Create new EFS file system",
        "bool",
        default=False,
        group="storage",
        help="Let Batch Forge create a One-Zone EFS file system (no backups), tagged Name=TowerForge-<id>.",
    ),
    _F(
        "forge.efsId",
        "Existing EFS file system",
        "str",
        max_length=ID_MAX_CHARS,
        group="storage",
        validator=is_efs_id,
        example="fs-0123456789abcdef0",
        help="ID of an existing EFS file system in the compute environment's VPC.",
    ),
    _F(
        "forge.efsMount",
        "EFS mount path",
        "str",
        max_length=PATH_MAX_CHARS,
        group="storage",
        validator=is_absolute_path,
        example="/mnt/efs",
        coupled=_fs_mount(("forge.efsCreate", "forge.efsId"), "/mnt/efs"),
        help="Where the EFS volume is mounted in the jobs (default /mnt/efs). Use <mount path>/work as "
        "work directory to keep intermediate files on EFS.",
    ),
    _F(
        "forge.fsxName",
        "Existing FSx DNS name",
        "str",
        max_length=255,
        group="storage",
        validator=is_fsx_dns_name,
        example="fs-0123456789abcdef0.fsx.eu-west-1.amazonaws.com",
        help="DNS name of an existing FSx for Lustre file system. The AMI must include the Lustre client.",
    ),
    _F(
        "forge.fsxSize",
        "New FSx size",
        "int",
        group="storage",
        minimum=0,
        maximum=INT32_MAX,
        unit="GB",
        example="1200",
        help="Size of a new FSx for Lustre file system: 1,200 GB, or a multiple of 2,400 GB.",
    ),
    _F(
        "forge.fsxMount",
        "FSx mount path",
        "str",
        max_length=PATH_MAX_CHARS,
        group="storage",
        validator=is_absolute_path,
        example="/mnt/fsx",
        coupled=_fs_mount(("forge.fsxName", "forge.fsxSize"), "/mnt/fsx"),
        help="Where the FSx volume is mounted in the jobs (default /mnt/fsx).",
    ),
    # networking
    _F(
        "forge.vpcId",
        "VPC ID",
        "str",
        max_length=ID_MAX_CHARS,
        group="networking",
        validator=is_vpc_id,
        example="vpc-0123456789abcdef0",
        help="VPC of the compute environment; empty uses the region's default VPC, subnets and security groups.",
    ),
    _F(
        "forge.subnets",
        "Subnets",
        "list",
        max_length=ID_MAX_CHARS,
        default=(),
        group="networking",
        validator=is_subnet_id,
        max_items=50,
        example="subnet-0123456789abcdef0",
        help="Subnets of the VPC where instances are launched.",
    ),
    _F(
        "forge.securityGroups",
        "Security groups",
        "list",
        max_length=ID_MAX_CHARS,
        default=(),
        group="networking",
        validator=is_security_group_id,
        max_items=50,
        example="sg-0123456789abcdef0",
        help="Security groups of the instances. With EFS/FSx, include the group that allows access to the "
        "file system; it must belong to the VPC above.",
    ),
    # staging
    _F(
        "preRunScript",
        "Pre-run script",
        "text",
        max_bytes=SCRIPT_HARD_MAX_BYTES,
        group="staging",
        help="Bash run in the head job before Nextflow starts (for example export NXF_VER=24.10.0). At most 1 KB.",
    ),
    _F(
        "postRunScript",
        "Post-run script",
        "text",
        max_bytes=SCRIPT_HARD_MAX_BYTES,
        group="staging",
        help="Bash run after the pipeline ends; its failure does not change the run status. At most 1 KB.",
    ),
    _F(
        "nextflowConfig",
        "Global Nextflow config",
        "text",
        group="staging",
        max_bytes=NEXTFLOW_CONFIG_MAX_BYTES,
        help="Nextflow configuration pre-filled into every launch with this compute environment; it overrides the "
        "repository nextflow.config and can be overridden at launch.",
    ),
    # environment
    _F(
        "environment",
        "Environment variables",
        "envvars",
        default=(),
        group="environment",
        max_items=ENV_VARS_MAX,
        help="Variables for the head job, the compute jobs or both. They cannot be edited later: use pipeline "
        "secrets for sensitive values.",
    ),
    # advanced
    _F(
        "forge.allocStrategy",
        "Allocation strategy",
        "choice",
        max_length=64,
        group="advanced",
        default=DEFAULT_ALLOC_STRATEGY["SPOT"],
        choices=tuple((s, s) for s in ALLOC_STRATEGIES),
        coupled=lambda get: DEFAULT_ALLOC_STRATEGY.get(get("forge.type"), "BEST_FIT_PROGRESSIVE"),
        help="How AWS Batch picks instances. Default: SPOT_PRICE_CAPACITY_OPTIMIZED for Spot, "
        "BEST_FIT_PROGRESSIVE for On-Demand; SPOT_* strategies need Spot.",
    ),
    _F(
        "forge.instanceTypes",
        "Instance types",
        "list",
        max_length=INSTANCE_TYPE_MAX_CHARS,
        default=(),
        group="advanced",
        validator=is_instance_type_or_family,
        max_items=INSTANCE_TYPES_MAX,
        example="m5, c6id or m5.2xlarge",
        help="Instance families or types; empty lets AWS choose (optimal). AWS uses at most 20 types and drops the "
        "largest beyond that.",
    ),
    _F(
        "forge.imageId",
        "AMI ID",
        "str",
        max_length=ID_MAX_CHARS,
        group="advanced",
        validator=is_ami_id,
        example="ami-0123456789abcdef0",
        help="Custom ECS-optimized AMI (Amazon Linux 2 or 2023); empty uses the latest AWS-recommended one. It "
        "replaces the GPU AMI and is not used for a Fargate head job.",
    ),
    _F(
        "forge.ec2KeyPair",
        "Key pair",
        "str",
        max_length=255,
        group="advanced",
        validator=is_key_pair_name,
        help="EC2 key pair for SSH access to the instances, for debugging.",
    ),
    _F(
        "forge.minCpus",
        "Min CPUs",
        "int",
        default=0,
        minimum=0,
        maximum=INT32_MAX,
        group="advanced",
        help="vCPUs kept running even when idle: pipelines start faster, but you pay for those instances.",
    ),
    _F(
        "headJobCpus",
        "Head job CPUs",
        "int",
        default=1,
        minimum=1,
        maximum=256,
        group="advanced",
        help="vCPUs of the Nextflow head job (also limits Studio sessions in this compute environment).",
    ),
    _F(
        "headJobMemoryMb",
        "Head job memory",
        "int",
        default=4096,
        minimum=256,
        maximum=1024 * 1024,
        unit="MiB",
        group="advanced",
        help="Memory of the Nextflow head job in MiB (default 4096).",
    ),
    _F(
        "headJobRole",
        "Head job role",
        "str",
        max_length=ARN_MAX_CHARS,
        group="advanced",
        validator=is_role_arn,
        example="arn:aws:iam::123456789012:role/my-head-role",
        help="IAM role ARN granted to the head job.",
    ),
    _F(
        "computeJobRole",
        "Compute job role",
        "str",
        max_length=ARN_MAX_CHARS,
        group="advanced",
        validator=is_role_arn,
        example="arn:aws:iam::123456789012:role/my-task-role",
        help="IAM role ARN granted to the task jobs.",
    ),
    _F(
        "executionRole",
        "Batch execution role",
        "str",
        max_length=ARN_MAX_CHARS,
        group="advanced",
        validator=is_role_arn,
        example="arn:aws:iam::123456789012:role/my-execution-role",
        help="ECS task execution role ARN; required for pipelines that use workspace secrets.",
    ),
    _F(
        "forge.ebsBlockSize",
        "EBS auto-expandable block size",
        "int",
        minimum=1,
        maximum=16384,
        unit="GB",
        default=50,
        group="advanced",
        coupled=lambda get: 50 if get("forge.ebsAutoScale") else None,
        help="Size of each block added when the auto-scaled disk runs out of space (needs EBS auto scale).",
    ),
    _F(
        "forge.ebsBootSize",
        "Boot disk size",
        "int",
        minimum=30,
        maximum=16384,
        unit="GB",
        default=50,
        group="advanced",
        coupled=lambda get: 100 if get("fusion2Enabled") and not get("nvnmeStorageEnabled") else 50,
        help="Boot disk of each instance in GB (50; 100 GB gp3 with Fusion v2 without fast instance storage).",
    ),
    _F(
        "forge.bidPercentage",
        "Cost percentage",
        "int",
        minimum=0,
        maximum=100,
        unit="%",
        group="advanced",
        help="Maximum Spot price as a percentage of the On-Demand price (Spot only; empty means 100).",
    ),
    _F(
        "cliPath",
        "AWS CLI tool path",
        "str",
        max_length=PATH_MAX_CHARS,
        group="advanced",
        example=FORGE_CLI_PATH,
        default=FORGE_CLI_PATH,
        coupled=lambda get: FORGE_CLI_PATH if get("forge") and not get("fusion2Enabled") else None,
        help="Absolute path of the aws CLI on the instances, ending in /bin/aws. Managed by Batch Forge with "
        "Fusion v2.",
    ),
    _F(
        "logGroup",
        "CloudWatch log group",
        "str",
        max_length=512,
        default=DEFAULT_LOG_GROUP,
        group="advanced",
        validator=is_log_group,
        example=DEFAULT_LOG_GROUP,
        help="Existing CloudWatch log group the awslogs driver writes job logs to.",
    ),
    _F(
        "forge.ecsConfig",
        "ECS agent configuration",
        "text",
        group="advanced",
        max_bytes=ECS_CONFIG_MAX_BYTES,
        help="KEY=value lines appended to /etc/ecs/ecs.config on each instance. Changing it may break the "
        "compute environment; ECS_IMAGE_PULL_BEHAVIOR is fixed by Batch Forge.",
    ),
    _F("forge.dragenEnabled", "DRAGEN", "bool", default=False, group="advanced", help="Add an Illumina DRAGEN queue."),
    _F(
        "forge.dragenAmiId",
        "DRAGEN AMI ID",
        "str",
        max_length=ID_MAX_CHARS,
        group="advanced",
        validator=is_ami_id,
        example="ami-0123456789abcdef0",
        help="AMI of the DRAGEN instances (needs DRAGEN).",
    ),
    _F(
        "forge.dragenInstanceType",
        "DRAGEN instance type",
        "str",
        max_length=INSTANCE_TYPE_MAX_CHARS,
        group="advanced",
        validator=is_instance_type,
        example="f2.6xlarge",
        help="Instance type of the DRAGEN queue (needs DRAGEN).",
    ),
)


def _declared(spec: FieldSpec, cap: str) -> int:
    value = getattr(spec, cap)
    if value is None:
        raise ValueError(f"options field {spec.path} ({spec.kind}) declares no {cap}")
    return value


def check_caps(fields: tuple[FieldSpec, ...]) -> None:
    """Refuses (at import) a text-like field declared without its caps."""
    needs = {
        "str": ("max_length",),
        "choice": ("max_length",),
        "list": ("max_length", "max_items"),
        "text": ("max_bytes",),
        "envvars": ("max_items",),
    }
    for spec in fields:
        missing = [cap for cap in needs.get(spec.kind, ()) if not getattr(spec, cap)]
        if missing:
            raise ValueError(f"options field {spec.path} ({spec.kind}) declares no {', '.join(missing)}")


check_caps(FIELDS)
FIELD_BY_PATH = {spec.path: spec for spec in FIELDS}
# pseudo path of coupled defaults: truthy in Forge mode
FORGE_PSEUDO = "forge"


# --------------------------------------------------------------------------- field-level cleaning


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _utf8_len(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))


def _nul(spec: FieldSpec, path: str) -> list[Violation]:
    # PostgreSQL cannot store NUL in text or jsonb: refused here, by field, rather than by the database.
    return [Violation(path, f"{spec.label} cannot contain NUL characters (\\x00).")]


def _clean_text(spec: FieldSpec, raw: Any, path: str) -> tuple[Any, list[Violation]]:
    if not isinstance(raw, str):
        return MISSING, [Violation(path, f"{spec.label} must be text.")]
    # Checked before any copy or scan: a cap breach costs one length measure.
    if len(raw) > spec.bytes_cap or _utf8_len(raw) > spec.bytes_cap:
        return MISSING, [Violation(path, f"{spec.label} is too long: keep it under {spec.bytes_cap // 1024} KB.")]
    value = raw.replace("\r\n", "\n")
    if not value.strip():
        return MISSING, []
    if "\x00" in value:
        return MISSING, _nul(spec, path)
    return value, []


def _clean_str(spec: FieldSpec, raw: Any, path: str) -> tuple[Any, list[Violation]]:
    if not isinstance(raw, str):
        return MISSING, [Violation(path, f"{spec.label} must be text.")]
    if len(raw) > spec.length_cap and len(raw.strip()) > spec.length_cap:
        return MISSING, [Violation(path, f"{spec.label} is too long: at most {spec.length_cap:,} characters.")]
    value = raw.strip()
    if spec.path in ("workDir", "forge.efsMount", "forge.fsxMount", "forge.allowBuckets"):
        value = strip_trailing_slashes(value)
    if not value:
        return MISSING, []
    if spec.kind == "choice" and value not in spec.choice_values:
        allowed = ", ".join(spec.choice_values)
        return MISSING, [
            Violation(path, f"{_show(value)} is not a valid {spec.label.lower()}. Allowed values: {allowed}.")
        ]
    if spec.validator and not spec.validator(value):
        example = f" like {spec.example}" if spec.example else ""
        return MISSING, [Violation(path, f"{spec.label} {_show(value)} is not valid: enter a value{example}.")]
    if "\x00" in value:
        return MISSING, _nul(spec, path)
    return value, []


def strip_trailing_slashes(value: str) -> str:
    """`s3://bucket/a//` -> `s3://bucket/a`, `/mnt/efs/` -> `/mnt/efs`; keeps `/` and `s3://` (one pass)."""
    stripped = value.rstrip("/")
    if not stripped:
        return "/"
    if stripped.endswith(":") and value[len(stripped) : len(stripped) + 2] == "//":
        return stripped + "//"
    return stripped


def _clean_int(spec: FieldSpec, raw: Any, path: str) -> tuple[Any, list[Violation]]:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return MISSING, [Violation(path, f"{spec.label} must be a whole number.")]
    low = spec.minimum if spec.minimum is not None else -INT32_MAX
    high = spec.maximum if spec.maximum is not None else INT32_MAX
    if not low <= raw <= high:
        unit = f" {spec.unit}" if spec.unit else ""
        return MISSING, [Violation(path, f"{spec.label} must be between {low:,} and {high:,}{unit}.")]
    return raw, []


def _clean_list(spec: FieldSpec, raw: Any, path: str) -> tuple[Any, list[Violation]]:
    if not isinstance(raw, list | tuple):
        return MISSING, [Violation(path, f"{spec.label} must be a list of text values.")]
    if spec.items_cap and len(raw) > spec.items_cap:
        return MISSING, [Violation(path, f"{spec.label}: at most {spec.items_cap} entries are allowed.")]
    items, errors, seen = [], [], set()
    for i, item in enumerate(raw):
        value, item_errors = _clean_str(spec, item, f"{path}[{i}]")
        if item_errors:
            errors += item_errors
        elif value is MISSING:
            continue
        elif value in seen:
            errors.append(Violation(f"{path}[{i}]", f"{spec.label}: {_show(value)} is listed twice; remove one."))
        else:
            seen.add(value)
            items.append(value)
    return (MISSING, errors) if errors else (items, [])


def _clean_envvars(spec: FieldSpec, raw: Any, path: str) -> tuple[Any, list[Violation]]:
    if not isinstance(raw, list | tuple):
        return MISSING, [Violation(path, "Environment variables must be a list of {name, value, head, compute}.")]
    if len(raw) > spec.items_cap:
        return MISSING, [Violation(path, f"At most {spec.items_cap} environment variables are allowed.")]
    items, errors = [], []
    for i, item in enumerate(raw):
        at = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            errors.append(Violation(at, "Each environment variable must be an object with name, value, head, compute."))
            continue
        name, value = item.get("name"), item.get("value")
        name = name.strip() if isinstance(name, str) else name
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            errors.append(
                Violation(
                    f"{at}.name",
                    "Variable name must start with a letter or '_' and use only letters, digits "
                    "and '_' (for example NXF_OPTS).",
                )
            )
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append(Violation(f"{at}.value", "Variable value must be text."))
        elif len(value) > ENV_VALUE_MAX_BYTES or _utf8_len(value) > ENV_VALUE_MAX_BYTES:
            errors.append(
                Violation(f"{at}.value", f"Variable value is too long (at most {ENV_VALUE_MAX_BYTES // 1024} KB).")
            )
        elif "\x00" in value:
            errors.append(Violation(f"{at}.value", "Variable value cannot contain NUL characters (\\x00)."))
        head, compute = item.get("head"), item.get("compute")
        if head is None and compute is None:
            head = True
        for target, flag in (("head", head), ("compute", compute)):
            if flag is not None and not isinstance(flag, bool):
                errors.append(Violation(f"{at}.{target}", f"'{target}' must be true or false."))
        if not errors:
            items.append({"name": name, "value": value, "head": bool(head), "compute": bool(compute)})
    return (MISSING, errors) if errors else (items, [])


CLEANERS = {
    "bool": lambda spec, raw, path: (
        (raw, []) if isinstance(raw, bool) else (MISSING, [Violation(path, f"{spec.label} must be true or false.")])
    ),
    "int": _clean_int,
    "str": _clean_str,
    "choice": _clean_str,
    "text": _clean_text,
    "list": _clean_list,
    "envvars": _clean_envvars,
}


def touches(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))
