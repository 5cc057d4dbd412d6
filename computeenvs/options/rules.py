"""The rule table (`RULES`, blocking) and the advice table (`WARNINGS`), domain.md §2."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .types import (
    ECS_CONFIG_LINE,
    FORGE_CLI_PATH,
    FSX_MIN_GB,
    FSX_STEP_GB,
    INSTANCE_TYPES_WARN_AT,
    NON_NVME_INSTANCE_FAMILIES,
    SCRIPT_MAX_BYTES,
    SPOT_ALLOC_STRATEGIES,
    AwsBatchConfig,
    ForgeConfig,
    Violation,
    instance_family,
    is_absolute_path,
    is_s3_uri,
    queue_region,
)

# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    """A declared cross-field rule. `predicate(config)` says whether the config breaks it: True
    (reported on `fields[0]`, the field the user must change) or the offending field paths.
    `hints` describe the rule to the form: `{"when": {...}, "requires"|"excludes": {...}, "auto": bool}`
    where a condition value is a literal, a list (one of), "*" (has a value) or None (empty), and
    the pseudo path "mode" is "forge" or "manual"; `auto` means the form applies it by itself."""

    id: str
    fields: tuple[str, ...]
    message: str
    predicate: Callable[[AwsBatchConfig], bool | Iterable[str]] = field(repr=False, compare=False)
    hints: tuple[Mapping[str, Any], ...] = ()

    @property
    def target(self) -> str:
        return self.fields[0]

    def check(self, config: AwsBatchConfig) -> list[Violation]:
        result = self.predicate(config)
        if result is True:
            return [Violation(self.target, self.message)]
        return [Violation(path, self.message) for path in result or ()]


def _requires(when: dict, then: dict, *, auto: bool = False) -> dict:
    return {"when": when, "requires": then, "auto": auto}


def _excludes(when: dict, then: dict, *, auto: bool = False) -> dict:
    return {"when": when, "excludes": then, "auto": auto}


def _forge(predicate: Callable[[AwsBatchConfig, ForgeConfig], Any]) -> Callable[[AwsBatchConfig], Any]:
    return lambda c: c.forge is not None and predicate(c, c.forge)


def _fs_work_dir_ok(c: AwsBatchConfig, f: ForgeConfig) -> bool:
    mounts = [m for m, used in ((f.efs_mount, f.efs_enabled), (f.fsx_mount, f.fsx_enabled)) if m and used]
    return any(c.work_dir.startswith(mount + "/") for mount in mounts)


def _is_fs_path(work_dir: str) -> bool:
    return not work_dir.startswith("s3://") and is_absolute_path(work_dir)


def _big_scripts(c: AwsBatchConfig) -> list[str]:
    scripts = (("preRunScript", c.pre_run_script), ("postRunScript", c.post_run_script))
    return [path for path, text in scripts if text and len(text.encode("utf-8", "surrogatepass")) > SCRIPT_MAX_BYTES]


def _ecs_lines(f: ForgeConfig) -> list[str]:
    lines = (line.strip() for line in (f.ecs_config or "").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _duplicate_env_names(c: AwsBatchConfig) -> list[str]:
    seen: dict[str, set[str]] = {"head": set(), "compute": set()}
    paths = []
    for i, var in enumerate(c.environment):
        for target in ("head", "compute"):
            if getattr(var, target):
                if var.name in seen[target]:
                    paths.append(f"environment[{i}].name")
                seen[target].add(var.name)
    return list(dict.fromkeys(paths))


def _queues_in_other_region(c: AwsBatchConfig) -> list[str]:
    queues = (("headQueue", c.head_queue), ("computeQueue", c.compute_queue))
    return [path for path, queue in queues if queue_region(queue) not in (None, c.region)]


_FS_FIELDS = ("forge.efsCreate", "forge.efsId", "forge.efsMount", "forge.fsxName", "forge.fsxSize", "forge.fsxMount")
_FORGE = {"mode": "forge"}

RULES: tuple[Rule, ...] = (
    Rule(
        "R1",
        ("waveEnabled", "fusion2Enabled"),
        "Fusion v2 needs Wave containers: turn on Wave (waveEnabled) or turn off Fusion v2.",
        lambda c: c.fusion2_enabled and not c.wave_enabled,
        (_requires({"fusion2Enabled": True}, {"waveEnabled": True}, auto=True),),
    ),
    Rule(
        "R2",
        ("nvnmeStorageEnabled", "fusion2Enabled"),
        "Fast instance storage needs Fusion v2: turn on Fusion v2 (fusion2Enabled) or turn off fast instance storage.",
        lambda c: c.nvnme_storage_enabled and not c.fusion2_enabled,
        (_requires({"nvnmeStorageEnabled": True}, {"fusion2Enabled": True}),),
    ),
    Rule(
        "R3",
        ("forge.instanceTypes", "nvnmeStorageEnabled"),
        "Fast instance storage needs NVMe instance types: remove optimal, c4, m4 and r4 and list NVMe families "
        "such as c6id, m6id or r6id (or leave the list empty to let the platform choose).",
        _forge(
            lambda c, f: (
                c.nvnme_storage_enabled
                and any(instance_family(t) in NON_NVME_INSTANCE_FAMILIES for t in f.instance_types)
            )
        ),
    ),
    Rule(
        "R4",
        ("fusionSnapshots", "fusion2Enabled"),
        "Fusion snapshots need Fusion v2: turn on Fusion v2 (fusion2Enabled) or turn off Fusion snapshots.",
        lambda c: c.fusion_snapshots and not c.fusion2_enabled,
        (_requires({"fusionSnapshots": True}, {"fusion2Enabled": True}),),
    ),
    Rule(
        "R4b",
        ("fusionSnapshots", "forge.type", "workDir"),
        "Fusion snapshots need Batch Forge with the Spot provisioning model and an S3 work directory: change "
        "those or turn off Fusion snapshots.",
        lambda c: c.fusion_snapshots and not (c.forge is not None and c.forge.is_spot and c.work_dir_is_s3),
        (_requires({"fusionSnapshots": True}, {"mode": "forge", "forge.type": "SPOT"}),),
    ),
    Rule(
        "R5",
        ("forge.fargateHeadEnabled", "fusion2Enabled", "forge.type"),
        "Fargate for the head job needs Fusion v2 and the Spot provisioning model: turn those on or turn off Fargate.",
        _forge(lambda c, f: f.fargate_head_enabled and not (c.fusion2_enabled and f.is_spot)),
        (_requires({"forge.fargateHeadEnabled": True}, {"fusion2Enabled": True, "forge.type": "SPOT"}),),
    ),
    Rule(
        "R6",
        ("forge.fargateHeadEnabled", *_FS_FIELDS),
        "Fargate for the head job cannot be used with EFS or FSx file systems: remove the file system or turn "
        "off Fargate.",
        _forge(lambda c, f: f.fargate_head_enabled and (f.efs_enabled or f.fsx_enabled)),
        (
            _excludes(
                {"forge.fargateHeadEnabled": True},
                {"forge.efsCreate": True, "forge.efsId": "*", "forge.fsxName": "*", "forge.fsxSize": "*"},
            ),
        ),
    ),
    Rule(
        "R8",
        ("forge.arm64Enabled", "forge.fargateHeadEnabled", "waveEnabled", "fusion2Enabled"),
        "Graviton (ARM64) needs Fargate for the head job, Wave and Fusion v2: turn those on or turn off Graviton.",
        _forge(lambda c, f: f.arm64_enabled and not (f.fargate_head_enabled and c.wave_enabled and c.fusion2_enabled)),
        (
            _requires(
                {"forge.arm64Enabled": True},
                {"forge.fargateHeadEnabled": True, "waveEnabled": True, "fusion2Enabled": True},
            ),
        ),
    ),
    Rule(
        "R9",
        ("forge.arm64Enabled", "forge.gpuEnabled"),
        "Graviton (ARM64) cannot be combined with GPUs: turn off one of them.",
        _forge(lambda c, f: f.arm64_enabled and f.gpu_enabled),
        (_excludes({"forge.arm64Enabled": True}, {"forge.gpuEnabled": True}),),
    ),
    Rule(
        "R11",
        ("forge.ebsAutoScale", "fusion2Enabled"),
        "EBS auto scale is not compatible with Fusion v2: turn off EBS auto scale (ebsAutoScale).",
        _forge(lambda c, f: c.fusion2_enabled and f.ebs_auto_scale),
        (_requires({**_FORGE, "fusion2Enabled": True}, {"forge.ebsAutoScale": False}, auto=True),),
    ),
    Rule(
        "R12",
        ("forge.ebsBlockSize", "forge.ebsAutoScale"),
        "EBS block size only applies with EBS auto scale: clear the block size or turn on EBS auto scale.",
        _forge(lambda c, f: not f.ebs_auto_scale and f.ebs_block_size is not None),
        (_excludes({"forge.ebsAutoScale": False}, {"forge.ebsBlockSize": "*"}, auto=True),),
    ),
    Rule(
        "R13",
        ("forge.efsId", "forge.efsCreate"),
        "Use either an existing EFS file system (efsId) or a new one (efsCreate), not both.",
        _forge(lambda c, f: f.efs_create and bool(f.efs_id)),
        (_excludes({"forge.efsCreate": True}, {"forge.efsId": "*"}),),
    ),
    Rule(
        "R14",
        ("forge.dragenAmiId", "forge.dragenInstanceType", "forge.dragenEnabled"),
        "DRAGEN AMI and instance type only apply when DRAGEN is enabled: turn on DRAGEN or clear them.",
        _forge(
            lambda c, f: (
                []
                if f.dragen_enabled
                else [
                    path
                    for path, value in (
                        ("forge.dragenAmiId", f.dragen_ami_id),
                        ("forge.dragenInstanceType", f.dragen_instance_type),
                    )
                    if value
                ]
            )
        ),
        (_excludes({"forge.dragenEnabled": False}, {"forge.dragenAmiId": "*", "forge.dragenInstanceType": "*"}),),
    ),
    Rule(
        "R15",
        ("cliPath", "fusion2Enabled"),
        "With Batch Forge and Fusion v2 the AWS CLI path is managed for you: leave the CLI path empty.",
        _forge(lambda c, f: c.fusion2_enabled and bool(c.cli_path)),
        (_excludes({**_FORGE, "fusion2Enabled": True}, {"cliPath": "*"}, auto=True),),
    ),
    Rule(
        "R16",
        ("forge.allocStrategy", "forge.type"),
        "SPOT_CAPACITY_OPTIMIZED and SPOT_PRICE_CAPACITY_OPTIMIZED need the Spot provisioning model: choose "
        "BEST_FIT or BEST_FIT_PROGRESSIVE for On-Demand (EC2).",
        _forge(lambda c, f: f.type == "EC2" and f.alloc_strategy in SPOT_ALLOC_STRATEGIES),
        (_excludes({"forge.type": "EC2"}, {"forge.allocStrategy": list(SPOT_ALLOC_STRATEGIES)}),),
    ),
    Rule(
        "R17",
        ("forge.bidPercentage", "forge.type"),
        "Cost percentage (bidPercentage) only applies to Spot: clear it or choose the Spot provisioning model.",
        _forge(lambda c, f: f.type != "SPOT" and f.bid_percentage is not None),
        (_excludes({"forge.type": "EC2"}, {"forge.bidPercentage": "*"}),),
    ),
    Rule(
        "R18",
        ("forge.minCpus", "forge.maxCpus"),
        "Min CPUs cannot be greater than Max CPUs: lower Min CPUs or raise Max CPUs.",
        _forge(lambda c, f: f.min_cpus > f.max_cpus),
    ),
    Rule(
        "R21",
        ("workDir",),
        "Work directory must be an S3 URI s3://bucket[/path] with a valid bucket name (3-63 lowercase letters, "
        "digits, dots or hyphens) or, with EFS/FSx, a folder inside the mount path such as /mnt/efs/work.",
        lambda c: bool(c.work_dir) and not (is_s3_uri(c.work_dir) or _is_fs_path(c.work_dir)),
    ),
    Rule(
        "R21b",
        ("workDir",),
        "In Manual mode the work directory must be an S3 bucket (s3://bucket[/path]); EFS/FSx work directories "
        "need a Batch Forge file system.",
        lambda c: c.forge is None and _is_fs_path(c.work_dir),
    ),
    Rule(
        "R21c",
        ("workDir", *_FS_FIELDS),
        "A file-system work directory must be a folder inside the EFS or FSx mount path (for example "
        "/mnt/efs/work): configure the file system under Storage or use an S3 bucket.",
        _forge(lambda c, f: _is_fs_path(c.work_dir) and not _fs_work_dir_ok(c, f)),
    ),
    Rule(
        "R25",
        ("forge.fsxSize",),
        f"FSx size must be {FSX_MIN_GB:,} GB or a multiple of {FSX_STEP_GB:,} GB (2,400, 4,800, ...).",
        _forge(
            lambda c, f: (
                f.fsx_size is not None
                and not (f.fsx_size == FSX_MIN_GB or (f.fsx_size > 0 and f.fsx_size % FSX_STEP_GB == 0))
            )
        ),
    ),
    Rule(
        "R30",
        ("environment",),
        "Choose where the variable applies: the head job, the compute jobs or both.",
        lambda c: [f"environment[{i}].head" for i, var in enumerate(c.environment) if not (var.head or var.compute)],
    ),
    Rule(
        "R31",
        ("preRunScript", "postRunScript"),
        f"Pre- and post-run scripts are limited to {SCRIPT_MAX_BYTES} bytes: shorten the script, for example by "
        "downloading a longer one from S3.",
        _big_scripts,
    ),
    Rule(
        "R32",
        ("cliPath",),
        "AWS CLI path must be an absolute path ending in /bin/aws, for example " + FORGE_CLI_PATH + ".",
        lambda c: (
            c.cli_path is not None
            and c.cli_path != ""
            and not (is_absolute_path(c.cli_path) and c.cli_path.endswith("/bin/aws"))
        ),
    ),
    Rule(
        "R40",
        ("forge.ecsConfig",),
        "ECS_IMAGE_PULL_BEHAVIOR is set by Batch Forge and cannot be changed: remove that line from the ECS agent "
        "configuration.",
        _forge(lambda c, f: any(re.match(r"ECS_IMAGE_PULL_BEHAVIOR\s*=", line) for line in _ecs_lines(f))),
    ),
    Rule(
        "X-ecs-format",
        ("forge.ecsConfig",),
        "ECS agent configuration must hold one KEY=value per line (for example ECS_CONTAINER_STOP_TIMEOUT=10m); "
        "lines starting with # are comments.",
        _forge(lambda c, f: any(not ECS_CONFIG_LINE.fullmatch(line) for line in _ecs_lines(f))),
    ),
    Rule(
        "X-fusion-v1",
        ("forge.fusionEnabled",),
        "Fusion mounts (Fusion v1) are deprecated and no longer supported: turn them off and use Fusion v2 "
        "(fusion2Enabled) instead.",
        _forge(lambda c, f: f.fusion_enabled),
    ),
    Rule(
        "X-fusion-s3",
        ("fusion2Enabled", "workDir"),
        "Fusion v2 needs an S3 work directory: use an s3:// work directory or turn off Fusion v2.",
        lambda c: c.fusion2_enabled and bool(c.work_dir) and not c.work_dir_is_s3,
    ),
    Rule(
        "X-vpc",
        ("forge.vpcId", "forge.subnets", "forge.securityGroups"),
        "Subnets and security groups belong to a VPC: enter the VPC ID, or clear them to use the region's default VPC.",
        _forge(lambda c, f: bool(f.subnets or f.security_groups) and not f.vpc_id),
        (
            _requires({"forge.subnets": "*"}, {"forge.vpcId": "*"}),
            _requires({"forge.securityGroups": "*"}, {"forge.vpcId": "*"}),
        ),
    ),
    Rule(
        "X-efs-mount",
        ("forge.efsMount", "forge.efsCreate", "forge.efsId"),
        "EFS mount path is set but no EFS file system is: enter an EFS file system ID or create a new one, or "
        "clear the mount path.",
        _forge(lambda c, f: bool(f.efs_mount) and not f.efs_enabled),
    ),
    Rule(
        "X-fsx-mount",
        ("forge.fsxMount", "forge.fsxName", "forge.fsxSize"),
        "FSx mount path is set but no FSx file system is: enter an FSx DNS name or a size for a new one, or clear "
        "the mount path.",
        _forge(lambda c, f: bool(f.fsx_mount) and not f.fsx_enabled),
    ),
    Rule(
        "X-fsx-one",
        ("forge.fsxSize", "forge.fsxName"),
        "Use either an existing FSx file system (DNS name) or a new one (size), not both.",
        _forge(lambda c, f: bool(f.fsx_name) and f.fsx_size is not None),
        (_excludes({"forge.fsxName": "*"}, {"forge.fsxSize": "*"}),),
    ),
    Rule(
        "X-fsx-region",
        ("forge.fsxName", "region"),
        "The FSx file system must be in the compute environment's region: its DNS name ends in "
        ".fsx.<region>.amazonaws.com.",
        _forge(
            lambda c, f: (
                f.fsx_name is not None
                and bool(f.fsx_name and c.region)
                and not f.fsx_name.endswith(f".fsx.{c.region}.amazonaws.com")
            )
        ),
    ),
    Rule(
        "X-queue-region",
        ("headQueue", "computeQueue", "region"),
        "The job queue ARN is in another region than the compute environment: use a queue of the selected region.",
        _queues_in_other_region,
    ),
    Rule(
        "X-env-duplicate",
        ("environment",),
        "This variable name is already set for the same job (head or compute): remove the duplicate.",
        _duplicate_env_names,
    ),
)

_GPU_FAMILY = re.compile(r"(p\d|g\d|gr\d)[a-z0-9-]*")
_NVME_SERIES = re.compile(r"(?:i|im|is)\d+[a-z-]*")
_NVME_LEAD = re.compile(r"[a-z]+\d+")
_NVME_SUFFIX = re.compile(r"[a-z-]*")


def _is_nvme_family(family: str) -> bool:
    """i-series, or letters + generation + attributes carrying a 'd' (c6id, m6gd). Plain parsing:
    the one-pattern form `[a-z]+\\d+[a-z-]*d[a-z-]*` backtracks quadratically on long input."""
    if _NVME_SERIES.fullmatch(family):
        return True
    lead = _NVME_LEAD.match(family)
    suffix = family[lead.end() :] if lead else ""
    return lead is not None and _NVME_SUFFIX.fullmatch(suffix) is not None and "d" in suffix


WARNINGS: tuple[Rule, ...] = (
    Rule(
        "R3",
        ("forge.instanceTypes",),
        "Fast instance storage uses local NVMe disks: some listed instance types may have none (NVMe families "
        "carry a 'd', such as c6id or m6gd, or are i-series).",
        _forge(
            lambda c, f: (
                c.nvnme_storage_enabled and any(not _is_nvme_family(instance_family(t)) for t in f.instance_types)
            )
        ),
    ),
    Rule(
        "R7",
        ("forge.fargateHeadEnabled",),
        "A Fargate head job is not recommended with GPUs, a custom AMI (not applied to the Fargate head job) or "
        "more than 16 head job CPUs: consider an EC2 head job.",
        _forge(lambda c, f: f.fargate_head_enabled and (f.gpu_enabled or bool(f.image_id) or c.head_job_cpus > 16)),
    ),
    Rule(
        "R19",
        ("forge.instanceTypes",),
        f"AWS Batch uses at most {INSTANCE_TYPES_WARN_AT} instance types and leaves out the largest beyond that.",
        _forge(lambda c, f: len(f.instance_types) > INSTANCE_TYPES_WARN_AT),
    ),
    Rule(
        "R22",
        ("workDir",),
        "An EFS/FSx work directory cannot be used by Studios: use an S3 bucket if you plan to run Studios.",
        lambda c: _is_fs_path(c.work_dir),
    ),
    Rule(
        "R23",
        ("forge.securityGroups",),
        "EFS/FSx need a security group of this VPC that allows NFS (EFS) or TCP 988 and 1018-1023 (FSx) between "
        "instances; the default security group may not.",
        _forge(lambda c, f: (f.efs_enabled or f.fsx_enabled) and not f.security_groups),
    ),
    Rule(
        "R24",
        ("forge.imageId",),
        "FSx for Lustre needs the Lustre client: make sure the custom AMI includes it.",
        _forge(lambda c, f: f.fsx_enabled and bool(f.image_id)),
    ),
    Rule(
        "R26",
        ("forge.instanceTypes",),
        "GPUs enabled: also list GPU instance types (for example g5 or p4d), otherwise no GPU instance is started.",
        _forge(
            lambda c, f: f.gpu_enabled and not any(_GPU_FAMILY.fullmatch(instance_family(t)) for t in f.instance_types)
        ),
    ),
    Rule(
        "R26b",
        ("forge.imageId",),
        "The custom AMI is used instead of the AWS GPU-optimized AMI: make sure it has the NVIDIA drivers.",
        _forge(lambda c, f: f.gpu_enabled and bool(f.image_id)),
    ),
    Rule(
        "R29",
        ("executionRole",),
        "Without a Batch execution role, pipelines in this compute environment cannot use workspace secrets.",
        lambda c: c.forge is None and not c.execution_role,
    ),
)


def client_rules() -> list[dict]:
    """The rule table as JSON-serialisable hints for the form's script (one entry per hint)."""
    return [
        {"id": rule.id, "field": rule.target, "message": rule.message, **hint} for rule in RULES for hint in rule.hints
    ]
