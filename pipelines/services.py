"""Writes of pipelines, pipeline secrets, launches and runs: keyword-only, validating before they save.

Errors are `django.core.exceptions.ValidationError` keyed by the model's field names
(``name``, ``repository``, ``params_text``, ``compute_env``, ``run_name``, ``workspace_secrets``…);
the API maps them to Seqera's camelCase names.

A run's status changes only through `start_run`, `finish_run` and `mark_unknown` (compare and
set: a concurrent change wins). Ending a run deletes the Secrets Manager secrets made for it
(durable work after commit).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from computeenvs.models import ComputeEnv
from pipelines import launch as headjob
from pipelines.models import (
    RUN_NAME_MAX,
    RUN_NAME_PATTERN,
    SECRET_NAME_PATTERN,
    Launch,
    Pipeline,
    PipelineSecret,
    Run,
    RunStatus,
    head_job_name,
    task_job_prefix,
)
from pipelines.names import unique_random_name
from seqera import work
from seqera.db import unique_as_field_error
from seqera.exceptions import NotAllowed
from workspaces import audit, aws
from workspaces.models import NAME_PATTERN, Credentials, Label, Workspace
from workspaces.permissions import role_allows

logger = logging.getLogger(__name__)

# The launch settings a pipeline saves and a launch snapshots (model field names).
SETTING_FIELDS = (
    "repository",
    "revision",
    "config_profiles",
    "params_text",
    "work_dir",
    "config_text",
    "pre_run_script",
    "post_run_script",
    "main_script",
    "entry_name",
    "schema_name",
    "pull_latest",
    "stub_run",
    "resume",
    "head_job_cpus",
    "head_job_memory_mb",
    "workspace_secrets",
)
# What the launch role may change when launching a saved pipeline (domain.md §5.2).
LAUNCH_ROLE_FIELDS = frozenset({"params_text"})
REPOSITORY_PATTERN = re.compile(r"^(https?://[^\s/]+/\S+|git@[^\s:]+:\S+|[\w.-]+/[\w.-]+)$")
PROFILE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
WORK_DIR_PATTERN = re.compile(r"^(s3://[a-z0-9.-]{3,63}(/\S*)?|/\S*)$")
MAX_LABELS = 25
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServiceError",
    }
)


# --------------------------------------------------------------------------- validation helpers
def parse_params(text: str) -> dict:
    """Run parameters given as JSON or YAML: a mapping, or ValidationError saying what is wrong."""
    if not (text or "").strip():
        return {}
    try:
        value = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if text.lstrip().startswith("{") else "YAML"
        first = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise ValidationError({"params_text": f"The parameters are not valid {kind}: {first}"}) from None
    if not isinstance(value, dict):
        raise ValidationError({"params_text": "Give the parameters as a mapping (name: value), in JSON or YAML."})
    return value


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def clean_settings(*, workspace: Workspace, data: dict[str, Any]) -> dict[str, Any]:
    """The launch settings in `data` (model field names), normalized; ValidationError per field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        if name in data:
            clean[name] = data[name]
    for name in ("repository", "revision", "work_dir", "main_script", "entry_name", "schema_name"):
        if name in clean:
            clean[name] = (clean[name] or "").strip()
    for name in ("params_text", "config_text", "pre_run_script", "post_run_script"):
        if name in clean:
            clean[name] = clean[name] or ""
    for name in ("pull_latest", "stub_run", "resume"):
        if name in clean:
            clean[name] = bool(clean[name])
    if "repository" in clean:
        if not clean["repository"]:
            errors["repository"] = ["Give the pipeline's Git repository (e.g. https://github.com/nextflow-io/hello)."]
        elif not REPOSITORY_PATTERN.match(clean["repository"]) or len(clean["repository"]) > 1024:
            errors["repository"] = ["Give a Git repository URL (https://…) or owner/name."]
    if len(clean.get("revision", "")) > 100:
        errors["revision"] = ["At most 100 characters."]
    if "config_profiles" in clean:
        profiles = clean["config_profiles"] or []
        if isinstance(profiles, str):
            profiles = [p.strip() for p in profiles.split(",") if p.strip()]
        if not isinstance(profiles, list) or not all(isinstance(p, str) and PROFILE_PATTERN.match(p) for p in profiles):
            errors["config_profiles"] = ["Profiles are names of letters, digits, '.', '-' and '_'."]
        else:
            clean["config_profiles"] = list(dict.fromkeys(profiles))
    if clean.get("work_dir") and not WORK_DIR_PATTERN.match(clean["work_dir"]):
        errors["work_dir"] = ["Give an S3 location (s3://bucket/path) or an absolute path."]
    if "params_text" in clean:
        try:
            parse_params(clean["params_text"])
        except ValidationError as exc:
            errors.update(_errors_of(exc))
    for name, low, high in (("head_job_cpus", 1, 256), ("head_job_memory_mb", 1000, 1_000_000)):
        value = clean.get(name)
        if value in (None, ""):
            clean[name] = None if name in clean else clean.get(name)
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[name] = ["Give a whole number."]
            continue
        if not low <= value <= high:
            errors[name] = [f"Give a number from {low} to {high}."]
        clean[name] = value
    if "workspace_secrets" in clean:
        names = clean["workspace_secrets"] or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            errors["workspace_secrets"] = ["Give the names of pipeline secrets."]
        else:
            names = list(dict.fromkeys(names))
            known = set(
                PipelineSecret.objects.filter(workspace=workspace, name__in=names).values_list("name", flat=True)
            )
            if missing := [n for n in names if n not in known]:
                errors["workspace_secrets"] = [f"No pipeline secret named {', '.join(missing)} in this workspace."]
            clean["workspace_secrets"] = names
    for name in ("config_text", "params_text"):
        if len(clean.get(name, "")) > 200_000:
            errors[name] = ["At most 200,000 characters."]
    if errors:
        raise ValidationError(errors)
    return clean


def resolve_compute_env(*, workspace: Workspace, compute_env) -> ComputeEnv | None:
    """A CE of `workspace` (object or id), None for none; anything else is 'not found'."""
    if compute_env in (None, ""):
        return None
    if isinstance(compute_env, ComputeEnv):
        found = compute_env if compute_env.workspace_id == workspace.pk else None
    else:
        found = ComputeEnv.objects.filter(workspace=workspace, pk=str(compute_env)).first()
    if found is None:
        raise ValidationError({"compute_env": "Not found in this workspace."})
    return found


def resolve_labels(*, workspace: Workspace, label_ids) -> list[Label]:
    """Simple (non-resource) labels of the workspace."""
    if not label_ids:
        return []
    try:
        ids = sorted({int(i) for i in label_ids})
    except (TypeError, ValueError):
        raise ValidationError({"labels": "Give numeric label ids."}) from None
    labels = list(Label.objects.filter(workspace=workspace, resource=False, pk__in=ids))
    if missing := sorted(set(ids) - {label.pk for label in labels}):
        raise ValidationError({"labels": f"Not labels of this workspace: {', '.join(map(str, missing))}."})
    if len(labels) > MAX_LABELS:
        raise ValidationError({"labels": f"At most {MAX_LABELS} labels."})
    return labels


def pipeline_name_error(*, workspace: Workspace, name: str, exclude_id: int | None = None) -> str | None:
    if not name:
        return "Give the pipeline a name."
    if len(name) > 99 or not re.match(NAME_PATTERN, name):
        return "Use up to 99 letters, digits, '-' and '_', starting and ending with a letter or digit."
    duplicate = Pipeline.objects.filter(workspace=workspace, name__iexact=name)
    if exclude_id:
        duplicate = duplicate.exclude(pk=exclude_id)
    if duplicate.exists():
        return f"A pipeline named {name} already exists in this workspace."
    return None


def _collect(errors: dict, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ValidationError as exc:
        for key, messages in _errors_of(exc).items():
            errors.setdefault(key, []).extend(messages)
        return None


# --------------------------------------------------------------------------- pipelines
@transaction.atomic
def create_pipeline(
    *,
    workspace: Workspace,
    created_by,
    name: str,
    description: str = "",
    settings: dict[str, Any],
    compute_env=None,
    label_ids=None,
) -> Pipeline:
    """Saves launch settings under a name (unique per workspace)."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if problem := pipeline_name_error(workspace=workspace, name=name):
        errors["name"] = [problem]
    if len(description or "") > 1000:
        errors["description"] = ["At most 1000 characters."]
    clean = _collect(errors, clean_settings, workspace=workspace, data={"repository": "", **settings})
    ce = _collect(errors, resolve_compute_env, workspace=workspace, compute_env=compute_env)
    labels = _collect(errors, resolve_labels, workspace=workspace, label_ids=label_ids)
    if errors:
        raise ValidationError(errors)
    pipeline = Pipeline(
        workspace=workspace, name=name, description=description or "", compute_env=ce, created_by=created_by, **clean
    )
    with unique_as_field_error(
        "name", f"A pipeline named {name} already exists in this workspace.", constraint="unique_pipeline_name"
    ):
        pipeline.save()
    pipeline.labels.set(labels or [])
    return pipeline


@transaction.atomic
def update_pipeline(
    *,
    pipeline: Pipeline,
    name: str | None = None,
    description: str | None = None,
    settings: dict[str, Any] | None = None,
    compute_env=...,
    label_ids=None,
) -> Pipeline:
    """Changes what is given (`compute_env=None` clears it: the primary CE is used at launch)."""
    workspace = pipeline.workspace
    errors: dict[str, list[str]] = {}
    if name is not None:
        name = name.strip()
        if problem := pipeline_name_error(workspace=workspace, name=name, exclude_id=pipeline.pk):
            errors["name"] = [problem]
    if description is not None and len(description) > 1000:
        errors["description"] = ["At most 1000 characters."]
    clean = _collect(errors, clean_settings, workspace=workspace, data=settings or {})
    ce = pipeline.compute_env
    if compute_env is not ...:
        ce = _collect(errors, resolve_compute_env, workspace=workspace, compute_env=compute_env)
    labels = None
    if label_ids is not None:
        labels = _collect(errors, resolve_labels, workspace=workspace, label_ids=label_ids)
    if errors:
        raise ValidationError(errors)
    if name is not None:
        pipeline.name = name
    if description is not None:
        pipeline.description = description
    for key, value in (clean or {}).items():
        setattr(pipeline, key, value)
    pipeline.compute_env = ce
    with unique_as_field_error(
        "name",
        f"A pipeline named {pipeline.name} already exists in this workspace.",
        constraint="unique_pipeline_name",
    ):
        pipeline.save()
    if labels is not None:
        pipeline.labels.set(labels)
    return pipeline


@transaction.atomic
def delete_pipeline(*, pipeline: Pipeline) -> None:
    """Deletes the saved settings; its runs stay (they keep their launch snapshot)."""
    pipeline.delete()


def pipeline_settings(pipeline: Pipeline) -> dict[str, Any]:
    return {name: getattr(pipeline, name) for name in SETTING_FIELDS}


# --------------------------------------------------------------------------- pipeline secrets
def secret_name_error(*, workspace: Workspace, name: str, exclude_id: int | None = None) -> str | None:
    if not name or not re.match(SECRET_NAME_PATTERN, name):
        return "Use 2 to 50 letters, digits and single underscores, starting with a letter or an underscore."
    duplicate = PipelineSecret.objects.filter(workspace=workspace, name=name)
    if exclude_id:
        duplicate = duplicate.exclude(pk=exclude_id)
    if duplicate.exists():
        return f"A pipeline secret named {name} already exists in this workspace."
    return None


def _value_error(value: str) -> str | None:
    if not value:
        return "Give the secret's value."
    if len(value) > 65_536:
        return "At most 65,536 characters (AWS Secrets Manager's limit)."
    return None


@transaction.atomic
def create_pipeline_secret(*, workspace: Workspace, created_by, name: str, value: str) -> PipelineSecret:
    """Stores a secret, encrypted; its value is never shown again."""
    name = (name or "").strip()
    errors = {}
    if problem := secret_name_error(workspace=workspace, name=name):
        errors["name"] = [problem]
    if problem := _value_error(value):
        errors["value"] = [problem]
    if errors:
        raise ValidationError(errors)
    secret = PipelineSecret(workspace=workspace, name=name, created_by=created_by)
    secret.set_value(value)
    with unique_as_field_error(
        "name",
        f"A pipeline secret named {name} already exists in this workspace.",
        constraint="unique_pipeline_secret_name",
    ):
        secret.save()
    return secret


@transaction.atomic
def update_pipeline_secret(*, secret: PipelineSecret, value: str) -> PipelineSecret:
    """Replaces the value (the name is fixed: runs refer to it)."""
    if problem := _value_error(value):
        raise ValidationError({"value": problem})
    secret.set_value(value)
    secret.save(update_fields=["value_encrypted", "last_updated"])
    return secret


@transaction.atomic
def delete_pipeline_secret(*, secret: PipelineSecret) -> None:
    secret.delete()


# --------------------------------------------------------------------------- launch
def run_name_error(*, workspace: Workspace, name: str) -> str | None:
    if not name:
        return "Give the run a name."
    if len(name) > RUN_NAME_MAX or not re.match(RUN_NAME_PATTERN, name):
        return f"Use up to {RUN_NAME_MAX} letters, digits, '.', '-' and '_', starting with a letter or digit."
    if Run.objects.filter(workspace=workspace, run_name=name).exists():
        return f"A run named {name} already exists in this workspace: choose another name."
    return None


def random_run_name(*, workspace: Workspace) -> str:
    """A free ``adjective_surname`` run name of the workspace."""
    return unique_random_name(lambda name: Run.objects.filter(workspace=workspace, run_name=name).exists())


def primary_compute_env(workspace: Workspace) -> ComputeEnv | None:
    return ComputeEnv.objects.filter(workspace=workspace, primary=True).first()


def launch_blocker(ce: ComputeEnv | None) -> str | None:
    """Why nothing can be launched on `ce` now (None when it can), saying what to do."""
    if ce is None:
        return "Choose a compute environment: this workspace has no primary one."
    if ce.status != ComputeEnv.Status.AVAILABLE:
        reason = f" ({ce.message})" if ce.message else ""
        return f"Compute environment {ce.name} is {ce.status}{reason}: only an AVAILABLE one runs pipelines."
    credentials = ce.credentials
    if credentials.effective_status != Credentials.Status.AVAILABLE:
        reason = f": {credentials.effective_message}" if credentials.effective_message else ""
        status = credentials.effective_status or "not validated"
        return f"The credentials {credentials.name} of {ce.name} are {status}{reason}. Validate or replace them first."
    if not ce.config.get("headQueue"):
        return f"Compute environment {ce.name} has no head queue."
    return None


def global_config(ce: ComputeEnv | None) -> str:
    """The CE's global Nextflow config: the launch form's config starts from it (and replaces it)."""
    return (ce.config.get("nextflowConfig") or "") if ce is not None else ""


def _resolved_config(ce: ComputeEnv, launch: Launch, run: Run) -> str:
    """What the run runs with: the CE's generated config (without its global part), then the
    launch's config text (prefilled from that global part, so the launch's wins), then the run name."""
    from computeenvs import nfconfig
    from computeenvs import services as ce_services

    config = {key: value for key, value in ce.config.items() if key != "nextflowConfig"}
    fallback = ce_services.forge_queue_names(ce.pk)[1] if ce.is_forge else ""
    text = nfconfig.nextflow_config(config=config, compute_queue=config.get("computeQueue") or fallback)
    if launch.work_dir and launch.work_dir != ce.config.get("workDir"):
        text += f"workDir = {nfconfig.groovy_string(launch.work_dir)}\n"
    text += f"runName = {nfconfig.groovy_string(run.run_name)}\n"
    if launch.config_text.strip():
        text += "\n// Nextflow config of the launch\n" + launch.config_text.rstrip("\n") + "\n"
    return text


@transaction.atomic
def launch_run(
    *,
    workspace: Workspace,
    user,
    role: str | None,
    pipeline: Pipeline | None = None,
    compute_env=None,
    run_name: str = "",
    label_ids=None,
    settings: dict[str, Any] | None = None,
    session_id: str | None = None,
    resume_dir: str = "",
) -> Run:
    """Validates a launch, stores its `Launch` snapshot and a SUBMITTED `Run`, and enqueues the
    head job's submission (after commit, ids only).

    Roles (domain.md §5.2): launching a saved pipeline needs ``workflow:execute`` (launch and up)
    and the launch role may change only its parameters; a launch without a saved pipeline (quick
    launch) needs ``workflow_quick:execute`` (maintain and up).
    """
    settings = dict(settings or {})
    if not role_allows(role, "workflow:execute"):
        raise NotAllowed("Your role in this workspace does not allow launching pipelines.")
    if pipeline is None and not role_allows(role, "workflow_quick:execute"):
        raise NotAllowed("Your role may launch saved pipelines only: ask a maintainer to save this one first.")
    base = pipeline_settings(pipeline) if pipeline is not None else {}
    if pipeline is not None and not role_allows(role, "workflow_quick:execute"):
        changed = sorted(
            name for name, value in settings.items() if name not in LAUNCH_ROLE_FIELDS and value != base.get(name)
        )
        if compute_env not in (None, "") and str(getattr(compute_env, "pk", compute_env)) != str(
            pipeline.compute_env_id or ""
        ):
            changed.append("compute_env")
        if changed:
            raise NotAllowed(
                dict.fromkeys(changed, "Your role (launch) may change only the parameters of a saved pipeline.")
            )
    errors: dict[str, list[str]] = {}
    clean = _collect(errors, clean_settings, workspace=workspace, data={"repository": "", **base, **settings})
    ce = _collect(errors, resolve_compute_env, workspace=workspace, compute_env=compute_env)
    if ce is None and "compute_env" not in errors:
        ce = (pipeline.compute_env if pipeline is not None else None) or primary_compute_env(workspace)
    labels = _collect(errors, resolve_labels, workspace=workspace, label_ids=label_ids)
    run_name = (run_name or "").strip() or random_run_name(workspace=workspace)
    if problem := run_name_error(workspace=workspace, name=run_name):
        errors["run_name"] = [problem]
    if "compute_env" not in errors and (problem := launch_blocker(ce)):
        errors["compute_env"] = [problem]
    if clean and clean.get("workspace_secrets") and ce is not None and not ce.config.get("executionRole"):
        errors.setdefault("workspace_secrets", []).append(
            f"Compute environment {ce.name} has no execution role: ECS reads pipeline secrets from AWS Secrets "
            "Manager with it. Give the compute environment an execution role, or launch without secrets."
        )
    if errors:
        raise ValidationError(errors)
    from computeenvs import services as ce_services

    ComputeEnv.objects.select_for_update().filter(pk=ce.pk).first()  # a concurrent delete waits for us
    clean["work_dir"] = clean.get("work_dir") or ce.config.get("workDir", "")
    launch = Launch(
        workspace=workspace,
        pipeline=pipeline,
        compute_env=ce,
        compute_env_snapshot={
            "id": ce.pk,
            "name": ce.name,
            "region": ce.region,
            "credentialsId": ce.credentials_id,
            "platform": ce.platform,
            "config": ce.config,
        },
        resume_dir=resume_dir,
        resource_labels=ce_services.label_tags(ce),
        created_by=user,
        **clean,
    )
    if session_id:
        launch.session_id = session_id
    launch.save()
    run = Run(
        workspace=workspace,
        launch=launch,
        pipeline=pipeline,
        compute_env=ce,
        credentials=ce.credentials,
        region=ce.region,
        run_name=run_name,
        session_id=launch.session_id,
        project_name=headjob.project_name(launch.repository),
        repository=launch.repository,
        revision=launch.revision,
        work_dir=launch.work_dir,
        params=parse_params(launch.params_text),
        profile=",".join(launch.config_profiles)[:100],
        owner=user,
        user_name=getattr(user, "username", "")[:150],
        status=RunStatus.SUBMITTED,
        submit=timezone.now(),
        job_queue=ce.config.get("headQueue", ""),
    )
    run.command_line = headjob.command_line(run, launch)
    run.config_text = _resolved_config(ce, launch, run)
    with unique_as_field_error(
        "run_name", f"A run named {run_name} already exists in this workspace.", constraint="unique_run_name"
    ):
        run.save(force_insert=True)
    all_labels = {label.pk: label for label in (labels or [])}
    if pipeline is not None:
        all_labels.update({label.pk: label for label in pipeline.labels.all()})
    run.labels.set(all_labels.values())
    ComputeEnv.objects.filter(pk=ce.pk).update(last_used=timezone.now())
    request_submission(run)
    return run


def request_submission(run: Run) -> None:
    from pipelines.actors import submit_run as actor

    with transaction.atomic():
        work.submit(actor, run.pk, run.workspace_id, key=f"run.submit:{run.pk}")


def relaunch_settings(run: Run) -> dict[str, Any]:
    """The settings of the run's launch, to prefill a relaunch (or resume) form."""
    launch = run.launch
    return {name: getattr(launch, name) for name in SETTING_FIELDS}


def resume_run(*, run: Run, user, role: str | None, run_name: str = "", settings: dict | None = None) -> Run:
    """A new run of the same launch with ``-resume <sessionId>`` in the same work directory."""
    if run.is_active:
        raise ValidationError("This run is still active: cancel it or wait for it to end before resuming it.")
    merged = {**relaunch_settings(run), **(settings or {}), "resume": True, "work_dir": run.work_dir}
    return launch_run(
        workspace=run.workspace,
        user=user,
        role=role,
        pipeline=run.pipeline,
        compute_env=run.compute_env,
        run_name=run_name,
        label_ids=[label.pk for label in run.labels.all()],
        settings=merged,
        session_id=run.session_id,
        resume_dir=run.work_dir,
    )


# --------------------------------------------------------------------------- status transitions
def _transition(run: Run, *, to: str, allowed_from: tuple[str, ...], **fields) -> bool:
    """Compare and set of a run's status, recorded in the audit trail (a bulk update sends no signal)."""
    now = timezone.now()
    fields["last_updated"] = now
    before = run.status
    updated = Run.objects.filter(pk=run.pk, status__in=allowed_from).update(status=to, **fields)
    if updated:
        run.status = to
        for key, value in fields.items():
            setattr(run, key, value)
        after = {"status": to, **{k: v for k, v in fields.items() if k in ("exit_status", "error_message", "warning")}}
        audit.record(audit.AuditAction.UPDATE, instance=run, before={"status": before}, after=after)
    return bool(updated)


def start_run(run: Run, *, at=None) -> bool:
    """SUBMITTED or UNKNOWN -> RUNNING (the head job runs, or Nextflow reported its start)."""
    fields = {"warning": ""}
    if run.start is None:
        fields["start"] = at or timezone.now()
    return _transition(run, to=RunStatus.RUNNING, allowed_from=(RunStatus.SUBMITTED, RunStatus.UNKNOWN), **fields)


def finish_run(
    run: Run,
    *,
    status: str,
    exit_status: int | None = None,
    error_message: str = "",
    error_report: str = "",
    at=None,
) -> bool:
    """An active (or UNKNOWN) run ends SUCCEEDED, FAILED or CANCELLED; its secrets are then deleted."""
    if status not in RunStatus.final():
        raise ValueError(f"{status} is not a final run status")
    fields: dict[str, Any] = {
        "complete": at or timezone.now(),
        "success": status == RunStatus.SUCCEEDED,
        "warning": "",
    }
    if exit_status is not None:
        fields["exit_status"] = exit_status
    if error_message:
        fields["error_message"] = error_message[:10_000]
    if error_report:
        fields["error_report"] = error_report[:100_000]
    with transaction.atomic():
        ended = _transition(
            run, to=status, allowed_from=(RunStatus.SUBMITTED, RunStatus.RUNNING, RunStatus.UNKNOWN), **fields
        )
        if ended:
            run_ended(run)
    return ended


def mark_unknown(run: Run, *, reason: str = "") -> bool:
    """RUNNING -> UNKNOWN: nothing heard from the run (the watchdog of the trace API)."""
    return _transition(
        run, to=RunStatus.UNKNOWN, allowed_from=(RunStatus.RUNNING,), warning=reason or "No news from the run."
    )


def run_ended(run: Run) -> None:
    """After a run's final transition: its Secrets Manager secrets go (durable work, after commit)."""
    if Run.objects.filter(pk=run.pk).exclude(aws_secrets=[]).exists():
        from pipelines.actors import dispose_run_secrets as actor

        work.submit(actor, run.pk, run.workspace_id, key=f"run.secrets:{run.pk}")


# --------------------------------------------------------------------------- submission (actor)
def is_transient(exc: Exception) -> bool:
    """A failure worth retrying (throttling, AWS-side errors, the network), not a refusal."""
    if isinstance(exc, aws.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return code in TRANSIENT_CODES or status >= 500
    return isinstance(exc, aws.BotoCoreError)


def _run_for_work(run_id: str, workspace_id: int) -> Run | None:
    return (
        Run.objects.in_workspace(workspace_id)
        .select_related("launch", "credentials", "compute_env", "workspace")
        .filter(pk=run_id)
        .first()
    )


def _client(run: Run, service: str):
    if run.credentials is None:
        raise ValidationError("The run's AWS credentials were deleted.")
    return aws.client(run.credentials, service, run.region)


def find_head_job(batch, run: Run) -> str | None:
    """The id of the run's head job if it was already submitted (a retry after a lost answer)."""
    found = batch.list_jobs(
        jobQueue=run.job_queue, filters=[{"name": "JOB_NAME", "values": [head_job_name(run.pk)]}]
    ).get("jobSummaryList", [])
    return found[0]["jobId"] if found else None


def ensure_job_definition(batch, spec: dict) -> str:
    """``name:revision`` of an ACTIVE job definition with this content, registered if none is."""
    existing = batch.describe_job_definitions(jobDefinitionName=spec["jobDefinitionName"], status="ACTIVE").get(
        "jobDefinitions", []
    )
    if existing:
        latest = max(existing, key=lambda d: d["revision"])
        return f"{latest['jobDefinitionName']}:{latest['revision']}"
    registered = batch.register_job_definition(**spec)
    return f"{registered['jobDefinitionName']}:{registered['revision']}"


def ensure_run_secrets(run: Run) -> list[dict]:
    """Creates the launch's pipeline secrets in Secrets Manager (``tower-<runId>-<name>``, the CE's
    region) and returns the job definition's ``secrets`` references. Safe to run twice."""
    names = run.launch.workspace_secrets
    if not names:
        return []
    secrets = {s.name: s for s in PipelineSecret.objects.filter(workspace_id=run.workspace_id, name__in=names)}
    if missing := [n for n in names if n not in secrets]:
        raise ValidationError(f"Pipeline secret {', '.join(missing)} was deleted before the run started.")
    client = _client(run, "secretsmanager")
    aws_names = [headjob.secret_name(run.pk, name) for name in names]
    Run.objects.filter(pk=run.pk).update(aws_secrets=aws_names)  # recorded first: cleanup finds them
    run.aws_secrets = aws_names
    references = []
    for name, aws_name in zip(names, aws_names, strict=True):
        tags = [{"Key": "seqera:workflowId", "Value": run.pk}]
        try:
            arn = client.create_secret(Name=aws_name, SecretString=secrets[name].get_value(), Tags=tags)["ARN"]
        except aws.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceExistsException":
                raise
            client.put_secret_value(SecretId=aws_name, SecretString=secrets[name].get_value())
            arn = client.describe_secret(SecretId=aws_name)["ARN"]
        references.append({"name": name, "valueFrom": arn})
    PipelineSecret.objects.filter(pk__in=[s.pk for s in secrets.values()]).update(last_used=timezone.now())
    return references


def submit_run(*, run_id: str, workspace_id: int) -> Run | None:
    """Submits a SUBMITTED run's head job once: a retry finds the job it already sent (by name)
    and adopts it. AWS refusing the job ends the run FAILED with AWS's message; throttling and
    AWS-side errors raise, to be retried."""
    run = _run_for_work(run_id, workspace_id)
    if run is None or run.status != RunStatus.SUBMITTED or run.job_id:
        return run
    launch = run.launch
    config = launch.compute_env_snapshot.get("config", {})
    head = headjob.head_job_of(config, cpus=launch.head_job_cpus, memory_mb=launch.head_job_memory_mb)
    try:
        batch = _client(run, "batch")
        job_id = find_head_job(batch, run)
        job_definition = run.job_definition
        if job_id is None:
            secrets = ensure_run_secrets(run)
            job_definition = ensure_job_definition(batch, headjob.job_definition_spec(head=head, secrets=secrets))
            spec = headjob.submit_job_spec(
                run,
                launch,
                head=head,
                job_definition=job_definition,
                config_text=run.config_text,
                tags=launch.resource_labels,
            )
            job_id = batch.submit_job(**spec)["jobId"]
    except ValidationError as exc:
        finish_run(run, status=RunStatus.FAILED, error_message=" ".join(exc.messages))
        return run
    except aws.AwsError as exc:
        if is_transient(exc):
            raise
        finish_run(
            run, status=RunStatus.FAILED, error_message=f"AWS Batch refused the head job: {aws.error_message(exc)}"
        )
        return run
    now = timezone.now()
    recorded = Run.objects.filter(pk=run.pk, status=RunStatus.SUBMITTED, job_id="").update(
        job_id=job_id,
        job_definition=job_definition,
        batch_status="SUBMITTED",
        batch_status_since=now,
        log_group=head.log_group,
        last_updated=now,
    )
    run.refresh_from_db()
    if not recorded and run.status == RunStatus.CANCELLED and not run.job_id:
        # Cancelled while we submitted: the job we just sent must not run.
        try:
            batch.terminate_job(jobId=job_id, reason="Run cancelled before its head job started")
        except aws.AwsError as exc:
            logger.warning("Run %s: could not terminate head job %s: %s", run.pk, job_id, aws.error_message(exc))
    return run


def submission_gave_up(*, run_id: str, workspace_id: int, reason: str) -> None:
    run = _run_for_work(run_id, workspace_id)
    if run is not None and run.status == RunStatus.SUBMITTED and not run.job_id:
        finish_run(run, status=RunStatus.FAILED, error_message=f"The head job could not be submitted: {reason}")


# --------------------------------------------------------------------------- secrets cleanup (actor)
def dispose_run_secrets(*, run_id: str, workspace_id: int) -> None:
    """Deletes the Secrets Manager secrets made for an ended run ("not found" is done)."""
    run = _run_for_work(run_id, workspace_id)
    if run is None or not run.aws_secrets or run.is_active:
        return
    client = _client(run, "secretsmanager")
    for name in run.aws_secrets:
        try:
            client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except aws.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
    Run.objects.filter(pk=run.pk).update(aws_secrets=[])


def secrets_disposal_gave_up(*, run_id: str, workspace_id: int, reason: str) -> None:
    run = _run_for_work(run_id, workspace_id)
    if run is not None and run.aws_secrets:
        warning = f"Its secrets {', '.join(run.aws_secrets)} could not be deleted from AWS Secrets Manager: {reason}"
        Run.objects.filter(pk=run.pk).update(warning=warning[:4000])
        audit.record(
            audit.AuditAction.UPDATE, instance=run, before={"warning": run.warning}, after={"warning": warning}
        )


# --------------------------------------------------------------------------- cancel / delete
def _terminate_run_jobs(run: Run, reason: str) -> int:
    """Terminates the head job and every job named ``tw-<runId>-…`` in the compute queue."""
    batch = _client(run, "batch")
    terminated = 0
    if run.job_id:
        batch.terminate_job(jobId=run.job_id, reason=reason)
        terminated += 1
    config = run.launch.compute_env_snapshot.get("config", {})
    compute_queue = config.get("computeQueue")
    if not compute_queue:
        return terminated
    params = {"jobQueue": compute_queue, "filters": [{"name": "JOB_NAME", "values": [task_job_prefix(run.pk) + "*"]}]}
    while True:
        page = batch.list_jobs(**params)
        for job in page.get("jobSummaryList", []):
            if job.get("status") not in ("SUCCEEDED", "FAILED") and job["jobName"].startswith(task_job_prefix(run.pk)):
                batch.terminate_job(jobId=job["jobId"], reason=reason)
                terminated += 1
        if not page.get("nextToken"):
            return terminated
        params["nextToken"] = page["nextToken"]


def cancel_run(*, run: Run, user=None, force: bool = False) -> str:
    """Terminates the run's jobs and marks it CANCELLED; returns what happened, for the user.

    Without `force`, AWS refusing the termination refuses the cancel (ValidationError with AWS's
    message). With `force` the run is CANCELLED anyway and the message says the jobs may still run.
    """
    run = Run.objects.select_related("launch", "credentials").get(pk=run.pk)
    if not (run.is_active or run.status == RunStatus.UNKNOWN):
        raise ValidationError(f"This run is {run.status}: there is nothing to cancel.")
    who = getattr(user, "username", "") or "a user"
    reason = f"Cancelled by {who}"
    note = ""
    if not run.job_id:  # not submitted yet: the submission sees CANCELLED and sends nothing
        finish_run(run, status=RunStatus.CANCELLED, error_message=reason + ".")
        return f"Run {run.run_name} cancelled before its head job was submitted."
    try:
        _terminate_run_jobs(run, reason)
    except (aws.ClientError, aws.BotoCoreError, ValidationError) as exc:
        message = aws.error_message(exc) if not isinstance(exc, ValidationError) else " ".join(exc.messages)
        if not force:
            raise ValidationError(
                f"AWS did not terminate the run's jobs: {message}. Try again, or force the cancel."
            ) from None
        note = f" AWS did not terminate its jobs ({message}): they may still run; terminate them in AWS Batch."
    finish_run(run, status=RunStatus.CANCELLED, error_message=reason + "." + note)
    return f"Run {run.run_name} cancelled." + (f" Forced:{note}" if note else "")


@transaction.atomic
def delete_run(*, run: Run, user=None, force: bool = False) -> None:
    """Deletes a run that has ended (with its launch); `force` cancels an active one first."""
    if run.is_active or run.status == RunStatus.UNKNOWN:
        if not force:
            raise ValidationError(f"This run is {run.status}: cancel it before deleting it.")
        cancel_run(run=run, user=user, force=True)
    run = Run.objects.get(pk=run.pk)
    if run.aws_secrets:
        try:
            dispose_run_secrets(run_id=run.pk, workspace_id=run.workspace_id)
        except (aws.ClientError, aws.BotoCoreError, ValidationError) as exc:
            if not force:
                raise ValidationError(
                    f"Its secrets could not be deleted from AWS Secrets Manager ({aws.error_message(exc)}): "
                    "try again, or force the delete."
                ) from None
    Launch.objects.filter(pk=run.launch_id).delete()


# --------------------------------------------------------------------------- compute environments
def active_runs_on(ce: ComputeEnv) -> list[Run]:
    return list(Run.objects.filter(compute_env=ce, status__in=[*RunStatus.active(), RunStatus.UNKNOWN])[:20])


def compute_env_delete_blockers(ce: ComputeEnv) -> list[str]:
    """A CE with active runs cannot be deleted (domain.md §3.3): the runs, named."""
    runs = active_runs_on(ce)
    if not runs:
        return []
    names = ", ".join(f"{run.run_name} ({run.status})" for run in runs)
    return [f"{len(runs)} run(s) are active on it: {names}. Cancel them or wait for them to end."]
