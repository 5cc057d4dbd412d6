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
from collections.abc import Mapping

from computeenvs import options
from computeenvs.options import AwsBatchConfig
from computeenvs.options.types import DEFAULT_LOG_GROUP, ENV_NAME_PATTERN

ENV_NAME = re.compile(rf"^{ENV_NAME_PATTERN}$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def groovy_string(value: object) -> str:
    """A Groovy single-quoted string literal for `value` (no interpolation, everything escaped)."""
    text = "".join(_ESCAPES.get(char, char) for char in str(value))
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", text)
    return f"'{text}'"


def _env_block(config: AwsBatchConfig) -> list[str]:
    variables = config.compute_env_vars
    if not variables:
        return []
    for var in variables:
        if not ENV_NAME.match(var.name or ""):
            raise ValueError(f"Environment variable name {var.name!r} is not a valid identifier.")
    return ["env {", *(f"    {var.name} = {groovy_string(var.value or '')}" for var in variables), "}"]


def nextflow_config(*, config: AwsBatchConfig | Mapping, compute_queue: str | None = None) -> str:
    """The CE's Nextflow config text. The queue is ``config.computeQueue`` (Manual, or Forge once
    forged) or else `compute_queue` (e.g. the planned ``<prefix>-<ceId>-work``)."""
    config = options.typed(config)
    queue = config.compute_queue or compute_queue
    if not queue:
        raise ValueError("The compute queue is unknown: pass compute_queue for a compute environment not yet forged.")
    lines = ["process.executor = 'awsbatch'", f"process.queue = {groovy_string(queue)}"]
    if config.region:
        lines.append(f"aws.region = {groovy_string(config.region)}")
    if cli_path := config.task_cli_path:
        lines.append(f"aws.batch.cliPath = {groovy_string(cli_path)}")
    work_dir = config.work_dir.rstrip("/")
    if work_dir:
        lines.append(f"workDir = {groovy_string(work_dir)}")
    if work_dir.startswith("s3://"):
        lines += [
            "cloudcache {",
            "    enabled = true",
            f"    path = {groovy_string(work_dir + '/cloudcache/.cache')}",
            "}",
        ]
    if config.wave_enabled:
        lines.append("wave.enabled = true")
    if config.fusion2_enabled:
        lines.append("fusion.enabled = true")
    if config.nvnme_storage_enabled:
        lines.append("process.scratch = false")
    if config.fusion_snapshots:
        lines.append("fusion.snapshots = true")
    if config.compute_job_role:
        lines.append(f"aws.batch.jobRole = {groovy_string(config.compute_job_role)}")
    if config.execution_role:
        lines.append(f"aws.batch.executionRole = {groovy_string(config.execution_role)}")
    if config.log_group_name != DEFAULT_LOG_GROUP:
        lines.append(f"aws.batch.logsGroup = {groovy_string(config.log_group_name)}")
    if volumes := config.volumes_for_tasks:
        lines.append(f"aws.batch.volumes = [{', '.join(groovy_string(v) for v in volumes)}]")
    if config.dragen_queue:
        lines += ["process {", f"    withLabel: dragen {{ queue = {groovy_string(config.dragen_queue)} }}", "}"]
    lines += _env_block(config)
    text = "\n".join(lines) + "\n"
    if global_config := (config.nextflow_config or "").strip("\n"):
        text += "\n// Global Nextflow config of the compute environment\n" + global_config + "\n"
    return text
