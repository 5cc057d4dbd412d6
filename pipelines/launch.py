"""The head job of a run, as AWS Batch parameters (domain.md §4.4). Pure: no database, no AWS.

Guarantees:

* `job_definition_spec` is a deterministic function of what a job definition cannot take from
  the submission (image, job and execution roles, log group, secrets); its name carries a digest
  of that content, so one is registered once and reused while it matches, and a change (a new
  launcher image, other roles) makes a new one instead of altering what running jobs use.
* `submit_job_spec` names the job ``nf-workflow-<runId>``, sends it to the CE's head queue with
  the launch's (or the CE's) vCPUs and memory, the launcher's environment and command, and the
  resource labels as tags propagated to the tasks.
* Pipeline secrets reach the head job only as Secrets Manager references (``valueFrom``), never
  as values in the environment or the command.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from pipelines.models import DEFAULT_HEAD_MEMORY_MB, head_job_name

# Callables `(run, launch) -> dict[str, str]` merged last into the head environment (the trace
# API adds TOWER_WORKFLOW_ID, TOWER_ACCESS_TOKEN and TOWER_API_ENDPOINT this way).
EXTRA_ENVIRONMENT: list[Callable] = []
AWS_DEFAULT_LOG_GROUP = "/aws/batch/job"


@dataclass(frozen=True)
class HeadJob:
    """What the head job needs from the compute environment (read from its config at launch)."""

    region: str
    head_queue: str
    compute_queue: str
    cpus: int
    memory_mb: int
    job_role: str = ""
    execution_role: str = ""
    log_group: str = AWS_DEFAULT_LOG_GROUP
    environment: dict[str, str] = field(default_factory=dict)  # the CE's head-job variables


def head_job_of(config: dict, *, cpus: int | None = None, memory_mb: int | None = None) -> HeadJob:
    """The head-job facts of a CE config document (camelCase), with the launch's overrides."""
    head_env = {
        var["name"]: str(var.get("value", ""))
        for var in config.get("environment") or []
        if var.get("head") and var.get("name")
    }
    return HeadJob(
        region=config.get("region", ""),
        head_queue=config.get("headQueue") or "",
        compute_queue=config.get("computeQueue") or "",
        cpus=int(cpus or config.get("headJobCpus") or 1),
        memory_mb=int(memory_mb or config.get("headJobMemoryMb") or DEFAULT_HEAD_MEMORY_MB),
        job_role=config.get("headJobRole") or "",
        execution_role=config.get("executionRole") or "",
        log_group=config.get("logGroup") or AWS_DEFAULT_LOG_GROUP,
        environment=head_env,
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode() if text else ""


def project_name(repository: str) -> str:
    """``https://github.com/nextflow-io/hello`` -> ``nextflow-io/hello`` (Seqera's projectName)."""
    path = re.sub(r"^[a-z]+://[^/]+/", "", repository.strip()).removesuffix(".git").strip("/")
    return path or repository


def params_file_name(params_text: str) -> str:
    return "params.json" if params_text.lstrip().startswith("{") else "params.yml"


def nextflow_command(run, launch) -> list[str]:
    """`nextflow run …` as argv, in the order Seqera's commandLine shows it."""
    argv = ["nextflow", "run", launch.repository, "-name", run.run_name]
    if launch.revision:
        argv += ["-r", launch.revision]
    if launch.config_profiles:
        argv += ["-profile", ",".join(launch.config_profiles)]
    argv += ["-c", f"nf-{run.pk}.config"]
    if launch.params_text.strip():
        argv += ["-params-file", params_file_name(launch.params_text)]
    if launch.resume:
        argv += ["-resume", launch.session_id]
    if launch.pull_latest:
        argv.append("-latest")
    if launch.stub_run:
        argv.append("-stub-run")
    if launch.main_script:
        argv += ["-main-script", launch.main_script]
    if launch.entry_name:
        argv += ["-entry", launch.entry_name]
    if getattr(settings, "TOWER_API_ENDPOINT", ""):
        argv += ["-with-tower", settings.TOWER_API_ENDPOINT]
    return argv


def command_line(run, launch) -> str:
    return shlex.join(nextflow_command(run, launch))


def launcher_script(run, launch) -> str:
    """What the launcher container runs: writes config, params and scripts from the environment,
    runs the pre-run script, Nextflow, then the post-run script with NXF_EXIT_STATUS."""
    lines = [
        "set -u",
        f'echo "$NXF_CONFIG_BASE64" | base64 -d > nf-{run.pk}.config',
        f'[ -z "${{NXF_PARAMS_BASE64:-}}" ] || echo "$NXF_PARAMS_BASE64" | base64 -d > {params_file_name(launch.params_text)}',
        '[ -z "${NXF_PRERUN_BASE64:-}" ] || { echo "$NXF_PRERUN_BASE64" | base64 -d > pre-run.sh && bash pre-run.sh; } || exit $?',
        command_line(run, launch) + ' 2>&1 | tee -a "$NXF_OUT_FILE"',
        "export NXF_EXIT_STATUS=${PIPESTATUS[0]}",
        '[ -z "${NXF_POSTRUN_BASE64:-}" ] || { echo "$NXF_POSTRUN_BASE64" | base64 -d > post-run.sh && bash post-run.sh; }',
        "exit $NXF_EXIT_STATUS",
    ]
    return "\n".join(lines)


def head_environment(run, launch, *, head: HeadJob, config_text: str) -> dict[str, str]:
    """The head container's environment (values only; secrets go by reference, see module doc)."""
    env = {
        **head.environment,
        "NXF_UUID": launch.session_id,
        "NXF_WORK": run.work_dir,
        "NXF_ANSI_LOG": "false",
        "NXF_IGNORE_RESUME_HISTORY": "true",
        "NXF_LOG_FILE": f"nf-{run.pk}.log",
        "NXF_OUT_FILE": f"nf-{run.pk}.txt",
        "NXF_TML_FILE": f"timeline-{run.pk}.html",
        "NXF_CONFIG_BASE64": _b64(config_text),
        "TOWER_WORKSPACE_ID": str(run.workspace_id),
    }
    optional = {
        "NXF_PARAMS_BASE64": _b64(launch.params_text.strip()),
        "NXF_PRERUN_BASE64": _b64(launch.pre_run_script),
        "NXF_POSTRUN_BASE64": _b64(launch.post_run_script),
    }
    env.update({name: value for name, value in optional.items() if value})
    for extra in EXTRA_ENVIRONMENT:
        env.update(extra(run, launch))
    return env


def _digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]


def job_definition_spec(*, head: HeadJob, secrets: list[dict] | None = None, image: str | None = None) -> dict:
    """RegisterJobDefinition parameters of the launcher (name = ``nf-launcher-<digest>``)."""
    container: dict = {
        "image": image or settings.LAUNCHER_IMAGE,
        "command": ["true"],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "1000"}],
    }
    if head.job_role:
        container["jobRoleArn"] = head.job_role
    if head.execution_role:
        container["executionRoleArn"] = head.execution_role
    if head.log_group and head.log_group != AWS_DEFAULT_LOG_GROUP:
        container["logConfiguration"] = {"logDriver": "awslogs", "options": {"awslogs-group": head.log_group}}
    if secrets:
        container["secrets"] = sorted(secrets, key=lambda s: s["name"])
    content = {"type": "container", "containerProperties": container, "propagateTags": True}
    return {"jobDefinitionName": f"nf-launcher-{_digest(content)}", **content}


def submit_job_spec(run, launch, *, head: HeadJob, job_definition: str, config_text: str, tags: dict[str, str]) -> dict:
    """SubmitJob parameters of the head job."""
    environment = head_environment(run, launch, head=head, config_text=config_text)
    spec = {
        "jobName": head_job_name(run.pk),
        "jobQueue": head.head_queue,
        "jobDefinition": job_definition,
        "containerOverrides": {
            "command": ["bash", "-c", launcher_script(run, launch)],
            "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
            "resourceRequirements": [
                {"type": "VCPU", "value": str(head.cpus)},
                {"type": "MEMORY", "value": str(head.memory_mb)},
            ],
        },
        "propagateTags": True,
    }
    if tags:
        spec["tags"] = dict(tags)
    return spec


def secret_name(run_id: str, name: str) -> str:
    """The Secrets Manager name of a pipeline secret for one run (``tower-<runId>-<name>``)."""
    return f"tower-{run_id}-{name}"
