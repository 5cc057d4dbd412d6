"""The Nextflow config a compute environment contributes to every run (domain.md §3.7).

`nextflow_config` is a pure function of the normalized config document. It guarantees
deterministic text in a fixed order: executor and queue, region, AWS CLI path, work dir, the
cloud cache for an S3 work dir, Wave/Fusion switches, job and execution roles, log group, EFS/FSx
volumes, compute-job environment variables, and last the CE's global Nextflow config, which
therefore overrides anything above it. Every value is written as a Groovy single-quoted string
with backslashes, quotes and control characters escaped, so no option value can inject config.

Choices: ``aws.batch.cliPath`` is written only when the tasks need the host CLI (not with Fusion
v2 or a Fargate head; a Forge CE without one gets the CLI path Forge installs);
``aws.batch.logsGroup`` only when the log group is not AWS Batch's default ``/aws/batch/job``
(jobs log there anyway, and naming it would make Nextflow add an explicit awslogs configuration
to every job definition). Head-job variables belong to the head container, not to this file.
"""

from __future__ import annotations

import re

from computeenvs.forge.plan import CLI_PATH, DEFAULT_LOG_GROUP, is_forge, uses_efs, uses_fsx

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def groovy_string(value: object) -> str:
    """A Groovy single-quoted string literal for `value` (no interpolation, everything escaped)."""
    text = "".join(_ESCAPES.get(char, char) for char in str(value))
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return f"'{text}'"


def _cli_path(config: dict) -> str | None:
    forge = config.get("forge") or {}
    if config.get("fusion2Enabled") or forge.get("fargateHeadEnabled"):
        return None
    return config.get("cliPath") or (CLI_PATH if is_forge(config) else None)


def _volumes(config: dict) -> list[str]:
    forge = config.get("forge") or {}
    volumes = list(config.get("volumes") or [])
    if uses_efs(config) and forge.get("efsMount"):
        volumes.append(forge["efsMount"])
    if uses_fsx(config) and forge.get("fsxMount"):
        volumes.append(forge["fsxMount"])
    return list(dict.fromkeys(volumes))


def _env_block(config: dict) -> list[str]:
    variables = [var for var in config.get("environment") or [] if var.get("compute")]
    if not variables:
        return []
    for var in variables:
        if not ENV_NAME.match(var.get("name") or ""):
            raise ValueError(f"Environment variable name {var.get('name')!r} is not a valid identifier.")
    return ["env {", *(f"    {var['name']} = {groovy_string(var.get('value') or '')}" for var in variables), "}"]


def nextflow_config(*, config: dict, compute_queue: str | None = None) -> str:
    """The CE's Nextflow config text. The queue is ``config["computeQueue"]`` (Manual, or Forge once
    forged) or else `compute_queue` (e.g. the planned ``<prefix>-<ceId>-work``)."""
    queue = config.get("computeQueue") or compute_queue
    if not queue:
        raise ValueError("The compute queue is unknown: pass compute_queue for a compute environment not yet forged.")
    lines = ["process.executor = 'awsbatch'", f"process.queue = {groovy_string(queue)}"]
    if config.get("region"):
        lines.append(f"aws.region = {groovy_string(config['region'])}")
    if cli_path := _cli_path(config):
        lines.append(f"aws.batch.cliPath = {groovy_string(cli_path)}")
    work_dir = (config.get("workDir") or "").rstrip("/")
    if work_dir:
        lines.append(f"workDir = {groovy_string(work_dir)}")
    if work_dir.startswith("s3://"):
        lines += [
            "cloudcache {",
            "    enabled = true",
            f"    path = {groovy_string(work_dir + '/cloudcache/.cache')}",
            "}",
        ]
    if config.get("waveEnabled"):
        lines.append("wave.enabled = true")
    if config.get("fusion2Enabled"):
        lines.append("fusion.enabled = true")
    if config.get("nvnmeStorageEnabled"):
        lines.append("process.scratch = false")
    if config.get("fusionSnapshots"):
        lines.append("fusion.snapshots = true")
    if config.get("computeJobRole"):
        lines.append(f"aws.batch.jobRole = {groovy_string(config['computeJobRole'])}")
    if config.get("executionRole"):
        lines.append(f"aws.batch.executionRole = {groovy_string(config['executionRole'])}")
    log_group = config.get("logGroup")
    if log_group and log_group != DEFAULT_LOG_GROUP:
        lines.append(f"aws.batch.logsGroup = {groovy_string(log_group)}")
    if volumes := _volumes(config):
        lines.append(f"aws.batch.volumes = [{', '.join(groovy_string(v) for v in volumes)}]")
    lines += _env_block(config)
    text = "\n".join(lines) + "\n"
    if global_config := (config.get("nextflowConfig") or "").strip("\n"):
        text += "\n// Global Nextflow config of the compute environment\n" + global_config + "\n"
    return text
