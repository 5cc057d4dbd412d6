"""Value formats, constants and the typed, frozen view of a config document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

NON_FIELD = "__all__"
FORGE_CLI_PATH = "/home/ec2-user/miniconda/bin/aws"
DEFAULT_LOG_GROUP = "/aws/batch/job"
INSTANCE_TYPES_WARN_AT = 20  # AWS Batch uses at most 20 types and drops the largest beyond (R19)
INSTANCE_TYPES_MAX = 100  # hard cap: more is certainly a mistake
SCRIPT_MAX_BYTES = 1024  # R31, Seqera Cloud limit
SCRIPT_HARD_MAX_BYTES = 16 * 1024  # field cap; R31 explains the 1 KB limit of what fits under it
# Length caps of text values (characters). AWS's own limits where it has one, with some room.
ID_MAX_CHARS = 64  # vpc-/subnet-/sg-/ami-/fs- ids are at most 21
INSTANCE_TYPE_MAX_CHARS = 64  # the longest AWS instance type today is about 25
QUEUE_MAX_CHARS = 256  # a 128-character name, or its job-queue ARN
ARN_MAX_CHARS = 2048  # IAM: an ARN is at most 2,048 characters
URI_MAX_CHARS = 1100  # s3:// + a 63-character bucket + a 1,024-byte key
PATH_MAX_CHARS = 1024
NEXTFLOW_CONFIG_MAX_BYTES = 64 * 1024
ECS_CONFIG_MAX_BYTES = 16 * 1024
ENV_VARS_MAX = 100
ENV_VALUE_MAX_BYTES = 8 * 1024
FSX_MIN_GB, FSX_STEP_GB = 1200, 2400  # R25
INT32_MAX = 2**31 - 1
SERVER_MANAGED_KEYS = ("forgedResources", "deletedResources", "volumes", "dragenQueue", "dragenInstanceType")
FORGE_SERVER_MANAGED_KEYS = ("headQueue", "computeQueue")

REGION_LABELS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-east-2": "Asia Pacific (Taipei)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ap-southeast-5": "Asia Pacific (Malaysia)",
    "ap-southeast-6": "Asia Pacific (New Zealand)",
    "ap-southeast-7": "Asia Pacific (Thailand)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)",
    "eu-north-1": "Europe (Stockholm)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-south-1": "Middle East (Bahrain)",
    "me-central-1": "Middle East (UAE)",
    "mx-central-1": "Mexico (Central)",
    "sa-east-1": "South America (São Paulo)",
}
REGIONS = tuple(REGION_LABELS)
PROVISIONING_MODELS = ("SPOT", "EC2")
PROVISIONING_MODEL_LABELS = {"SPOT": "Spot", "EC2": "On-Demand"}
SPOT_ALLOC_STRATEGIES = ("SPOT_CAPACITY_OPTIMIZED", "SPOT_PRICE_CAPACITY_OPTIMIZED")
ALLOC_STRATEGIES = ("BEST_FIT", "BEST_FIT_PROGRESSIVE", *SPOT_ALLOC_STRATEGIES)
DEFAULT_ALLOC_STRATEGY = {"SPOT": "SPOT_PRICE_CAPACITY_OPTIMIZED", "EC2": "BEST_FIT_PROGRESSIVE"}
# Facts Forge derives from the options (declared once; plan, policy and Nextflow config read them
# through the properties of `AwsBatchConfig`).
DEFAULT_INSTANCE_TYPES = ("optimal",)
NVME_INSTANCE_TYPES = ("c6id", "m6id", "r6id")
GRAVITON_INSTANCE_TYPES = ("m6g", "r6g", "c6g")
GRAVITON_NVME_INSTANCE_TYPES = ("c7gd", "m7gd", "r7gd")
NVME_MOUNT_PATH = "/scratch/fusion"  # where the launch template mounts fast instance storage
FUSION_EBS_THROUGHPUT_MBPS = 325  # gp3 boot disk throughput with Fusion v2 on EBS
DEFAULT_BID_PERCENTAGE = 100  # "empty means 100"; 0 stays 0
HEAD_ENV_CONCURRENT_HEAD_JOBS = 8  # the head CE is sized for this many head jobs at once, not Max CPUs
ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,255}"
NON_NVME_INSTANCE_FAMILIES = ("optimal", "c4", "m4", "r4")  # R3


class Violation(NamedTuple):
    field: str
    message: str


# --------------------------------------------------------------------------- value formats


def _matcher(pattern: str) -> Callable[[str], bool]:
    regex = re.compile(pattern)
    return lambda value: regex.fullmatch(value) is not None


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")


def is_bucket_name(name: str) -> bool:
    """S3 general-purpose bucket naming rules."""
    return (
        _BUCKET.fullmatch(name) is not None
        and ".." not in name
        and _IPV4.fullmatch(name) is None
        and not name.startswith(("xn--", "sthree-", "amzn-s3-demo-"))
        and not name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3"))
    )


def split_s3_uri(uri: str) -> tuple[str, str] | None:
    """(bucket, key) of `s3://bucket[/key]`, or None when it is not a valid S3 URI."""
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    if not is_bucket_name(bucket):
        return None
    if key and any(part in ("", ".", "..") for part in key.split("/")):
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in key):
        return None
    return bucket, key


def is_s3_uri(uri: str) -> bool:
    return split_s3_uri(uri) is not None


is_absolute_path = _matcher(r"(/(?!\.{1,2}(?:/|$))[A-Za-z0-9._+-]+)+")
is_role_arn = _matcher(r"arn:aws:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
is_log_group = _matcher(r"[A-Za-z0-9._/#-]{1,512}")
is_vpc_id = _matcher(r"vpc-[0-9a-f]{8,17}")
is_subnet_id = _matcher(r"subnet-[0-9a-f]{8,17}")
is_security_group_id = _matcher(r"sg-[0-9a-f]{8,17}")
is_ami_id = _matcher(r"ami-[0-9a-f]{8,17}")
is_efs_id = _matcher(r"fs-[0-9a-f]{8,17}")
is_fsx_dns_name = _matcher(r"fs-[0-9a-f]{8,17}\.fsx\.[a-z0-9-]+\.amazonaws\.com")
is_key_pair_name = _matcher(r"[\x20-\x7e]{1,255}")
_FAMILY_CHARS = re.compile(r"[a-z][a-z0-9-]*")
_SIZE_CHARS = re.compile(r"[a-z0-9-]+")


def is_instance_family(value: str) -> bool:
    """`m5`, `c6id`, `p4d`, `u-6tb1`: a lower-case letter, then letters, digits and '-', with a digit.

    Plain parsing (one fullmatch of a single-repeat pattern and one scan), linear in the input;
    the equivalent one-pattern form `[a-z][a-z0-9-]*[0-9][a-z0-9-]*` backtracks quadratically."""
    return _FAMILY_CHARS.fullmatch(value) is not None and any("0" <= ch <= "9" for ch in value)


def is_instance_type(value: str) -> bool:
    """`m5.2xlarge`: an instance family, a dot, a size."""
    family, dot, size = value.partition(".")
    return bool(dot) and is_instance_family(family) and _SIZE_CHARS.fullmatch(size) is not None


def is_instance_type_or_family(value: str) -> bool:
    if value in ("optimal", "default_x86_64", "default_arm64"):
        return True
    return is_instance_type(value) if "." in value else is_instance_family(value)


_QUEUE_NAME = r"[A-Za-z0-9_-]{1,128}"
_QUEUE_ARN = re.compile(rf"arn:aws:batch:(?P<region>[a-z0-9-]+):\d{{12}}:job-queue/{_QUEUE_NAME}")
is_queue = _matcher(rf"{_QUEUE_NAME}|{_QUEUE_ARN.pattern}")
ENV_NAME = re.compile(ENV_NAME_PATTERN)
ECS_CONFIG_LINE = re.compile(r"[A-Z][A-Z0-9_]*=.*")


def queue_region(queue: str | None) -> str | None:
    match = _QUEUE_ARN.fullmatch(queue or "")
    return match["region"] if match else None


def instance_family(instance_type: str) -> str:
    return instance_type.split(".", 1)[0]


# --------------------------------------------------------------------------- typed config


@dataclass(frozen=True)
class EnvVar:
    name: str
    value: str = ""
    head: bool = True
    compute: bool = False


@dataclass(frozen=True)
class ForgeConfig:
    type: str = "SPOT"
    min_cpus: int = 0
    max_cpus: int = 0
    alloc_strategy: str = "SPOT_PRICE_CAPACITY_OPTIMIZED"
    instance_types: tuple[str, ...] = ()
    gpu_enabled: bool = False
    arm64_enabled: bool = False
    fargate_head_enabled: bool = False
    vpc_id: str | None = None
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    image_id: str | None = None
    ec2_key_pair: str | None = None
    ebs_auto_scale: bool = True
    ebs_block_size: int | None = None
    ebs_boot_size: int = 50
    bid_percentage: int | None = None
    allow_buckets: tuple[str, ...] = ()
    efs_create: bool = False
    efs_id: str | None = None
    efs_mount: str | None = None
    fsx_name: str | None = None
    fsx_size: int | None = None
    fsx_mount: str | None = None
    dispose_on_deletion: bool = True
    ecs_config: str | None = None
    dragen_enabled: bool = False
    dragen_ami_id: str | None = None
    dragen_instance_type: str | None = None
    fusion_enabled: bool = False

    @property
    def efs_enabled(self) -> bool:
        return self.efs_create or bool(self.efs_id)

    @property
    def fsx_enabled(self) -> bool:
        return bool(self.fsx_name) or self.fsx_size is not None

    @property
    def is_spot(self) -> bool:
        return self.type == "SPOT"

    @property
    def creates_efs(self) -> bool:
        return self.efs_create

    @property
    def creates_fsx(self) -> bool:
        """A new FSx file system: a size is given and no existing file system's DNS name."""
        return bool(self.fsx_size) and not self.fsx_name

    @property
    def bid(self) -> int:
        """Spot bid percentage; empty means 100 and 0 stays 0."""
        return DEFAULT_BID_PERCENTAGE if self.bid_percentage is None else self.bid_percentage

    @property
    def uses_default_network(self) -> bool:
        return not (self.vpc_id or self.subnets or self.security_groups)


@dataclass(frozen=True)
class AwsBatchConfig:
    region: str = ""
    work_dir: str = ""
    head_queue: str | None = None
    compute_queue: str | None = None
    cli_path: str | None = None
    head_job_cpus: int = 1
    head_job_memory_mb: int = 4096
    head_job_role: str | None = None
    compute_job_role: str | None = None
    execution_role: str | None = None
    log_group: str = DEFAULT_LOG_GROUP
    pre_run_script: str | None = None
    post_run_script: str | None = None
    nextflow_config: str | None = None
    environment: tuple[EnvVar, ...] = ()
    wave_enabled: bool = False
    fusion2_enabled: bool = False
    nvnme_storage_enabled: bool = False
    fusion_snapshots: bool = False
    forge: ForgeConfig | None = None
    forged_resources: tuple = ()
    deleted_resources: tuple = ()
    volumes: tuple[str, ...] = ()
    dragen_queue: str | None = None
    dragen_instance_type: str | None = None
    # camelCase paths present in the document (`parse` fills it): an absent coupled option takes
    # its coupled default through `resolved()`, as `validate` would have filled it.
    given: frozenset = field(default=frozenset(), compare=False, repr=False)

    def resolved(self, path: str) -> Any:
        """The value of option `path` (``"forge.ebsBootSize"``) with its default or coupled default
        from `options.FIELDS` when the document did not give it: each default is declared once."""
        from .fields import FIELD_BY_PATH, FORGE_PSEUDO

        if path == FORGE_PSEUDO:
            return self.is_forge
        spec = FIELD_BY_PATH[path]
        holder = self.forge if spec.forge_only else self
        if holder is None:
            return None
        if path in self.given or spec.coupled is None:
            return getattr(holder, spec.attr)
        return spec.coupled(self.resolved)

    @property
    def is_forge(self) -> bool:
        return self.forge is not None

    @property
    def mode(self) -> str:
        return "forge" if self.forge is not None else "manual"

    @property
    def work_dir_bucket(self) -> str | None:
        parts = split_s3_uri(self.work_dir)
        return parts[0] if parts else None

    @property
    def work_dir_is_s3(self) -> bool:
        return self.work_dir.startswith("s3://")

    # -- derived facts (plan, IAM policy and Nextflow config read these, never the raw document)
    @property
    def s3_locations(self) -> tuple[str, ...]:
        """Allowed buckets then the S3 work dir (appended last, as the server does), without duplicates."""
        allowed = self.forge.allow_buckets if self.forge else ()
        uris = [uri.rstrip("/") for uri in allowed if uri and uri.startswith("s3://")]
        work_dir = self.work_dir.rstrip("/")
        if work_dir.startswith("s3://"):
            uris.append(work_dir)
        return tuple(dict.fromkeys(uris))

    @property
    def uses_efs(self) -> bool:
        return bool(self.forge and self.forge.efs_enabled)

    @property
    def creates_efs(self) -> bool:
        return bool(self.forge and self.forge.creates_efs)

    @property
    def uses_fsx(self) -> bool:
        return bool(self.forge and self.forge.fsx_enabled)

    @property
    def creates_fsx(self) -> bool:
        return bool(self.forge and self.forge.creates_fsx)

    @property
    def creates_execution_role(self) -> bool:
        return self.is_forge and not self.execution_role

    @property
    def uses_execution_role(self) -> bool:
        return bool(self.execution_role) or self.creates_execution_role

    @property
    def creates_head_job_role(self) -> bool:
        """A Fargate head job has no instance role to fall back on, so Forge makes a job role when none is given."""
        return bool(self.forge and self.forge.fargate_head_enabled) and not self.head_job_role

    @property
    def creates_log_group(self) -> bool:
        """Forge creates the log group when one other than AWS Batch's default is named."""
        return self.is_forge and self.log_group_name != DEFAULT_LOG_GROUP

    @property
    def log_group_name(self) -> str:
        return self.log_group or DEFAULT_LOG_GROUP

    @property
    def forge_settings(self) -> ForgeConfig:
        """The Forge block of a Batch Forge configuration (plans are built for those only)."""
        if self.forge is None:
            raise ValueError("not a Batch Forge configuration")
        return self.forge

    @property
    def resolves_ami_from_ssm(self) -> bool:
        return self.forge is not None and not self.forge.image_id

    @property
    def ami_variant(self) -> str:
        """Which ECS-optimized AMI the work CE uses: arm64 (Graviton), gpu, or x86_64."""
        if self.forge and self.forge.arm64_enabled:
            return "arm64"
        return "gpu" if self.forge and self.forge.gpu_enabled else "x86_64"

    @property
    def work_instance_types(self) -> tuple[str, ...]:
        """The instance types given, or the families the options imply (NVMe, Graviton)."""
        if self.forge and self.forge.instance_types:
            return self.forge.instance_types
        arm64 = bool(self.forge and self.forge.arm64_enabled)
        if arm64:
            return GRAVITON_NVME_INSTANCE_TYPES if self.nvnme_storage_enabled else GRAVITON_INSTANCE_TYPES
        return NVME_INSTANCE_TYPES if self.nvnme_storage_enabled else DEFAULT_INSTANCE_TYPES

    @property
    def alloc_strategy(self) -> str:
        return self.resolved("forge.allocStrategy")

    @property
    def fusion_on_ebs(self) -> bool:
        return self.fusion2_enabled and not self.nvnme_storage_enabled

    @property
    def boot_disk_gb(self) -> int:
        return self.resolved("forge.ebsBootSize")

    @property
    def boot_disk_throughput(self) -> int | None:
        return FUSION_EBS_THROUGHPUT_MBPS if self.fusion_on_ebs else None

    @property
    def ebs_autoscale_block_gb(self) -> int | None:
        """Block size of EBS auto scale when it is on (never with Fusion v2), else None."""
        if not self.forge or not self.resolved("forge.ebsAutoScale") or self.fusion2_enabled:
            return None
        return self.resolved("forge.ebsBlockSize")

    @property
    def instance_cli_path(self) -> str | None:
        """The AWS CLI the launch template installs (Forge without Fusion v2)."""
        return self.resolved("cliPath") if self.is_forge and not self.fusion2_enabled else None

    @property
    def task_cli_path(self) -> str | None:
        """`aws.batch.cliPath` for the tasks: not with Fusion v2 or a Fargate head."""
        if self.fusion2_enabled or (self.forge and self.forge.fargate_head_enabled):
            return None
        return self.cli_path or self.resolved("cliPath")

    @property
    def head_env_max_cpus(self) -> int:
        return self.head_job_cpus * HEAD_ENV_CONCURRENT_HEAD_JOBS

    @property
    def volumes_for_tasks(self) -> tuple[str, ...]:
        volumes = list(self.volumes)
        if self.uses_efs and self.resolved("forge.efsMount"):
            volumes.append(self.resolved("forge.efsMount"))
        if self.uses_fsx and self.resolved("forge.fsxMount"):
            volumes.append(self.resolved("forge.fsxMount"))
        return tuple(dict.fromkeys(volumes))

    @property
    def compute_env_vars(self) -> tuple[EnvVar, ...]:
        return tuple(var for var in self.environment if var.compute)
